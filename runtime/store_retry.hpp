// Retrying a store transaction that another writer got in the way of, shared by the stores (SQLite:
// busy; PostgreSQL: serialization failure, deadlock): again, with jittered back-off, until a
// number of tries or a time budget since the first attempt is spent. Private to the stores.
#pragma once

#include <chrono>
#include <random>
#include <thread>

namespace vflow::runtime {

/// Runs `attempt`; when it throws an `Error` that `retryable` accepts, runs it again after 2 to
/// 21 ms, at most `max_retries` times and while less than `budget` has passed since the first
/// attempt; then the error propagates. Other exceptions propagate at once.
template <typename Error, typename Attempt, typename Retryable>
void retry_with_jitter(std::chrono::milliseconds budget, int max_retries, Retryable&& retryable,
                       Attempt&& attempt) {
  const auto start = std::chrono::steady_clock::now();
  std::minstd_rand rng(static_cast<unsigned>(start.time_since_epoch().count()));
  for (int tries = 0;; ++tries) {
    try {
      attempt();
      return;
    } catch (const Error& e) {
      const bool out_of_time = std::chrono::steady_clock::now() - start >= budget;
      if (!retryable(e) || tries >= max_retries || out_of_time) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2 + rng() % 20));
  }
}

}  // namespace vflow::runtime
