// libFuzzer target: any bytes as the SQL of `vflow query` (even first byte) or as the condition of
// `vflow find --where` (odd), on a database with the library deployed and instances running, opened
// read-only as the commands open it. No input may crash or hang; a refusal is a query_error or an
// invalid outcome, nothing else; and the database never changes (its digest stays the same).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "runtime/runtime.hpp"

namespace {

using namespace vflow::runtime;

std::string database() {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("vflow-fuzz-query-" + std::to_string(getpid()) + ".db"))
                               .string();
  auto rt = engine_runtime::open(path);
  std::vector<source_file> files;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(VFLOW_SOURCE_DIR "/workflows")) {
    if (e.path().extension() != ".flow") continue;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    files.push_back({e.path().string(), text.str()});
  }
  if (!rt.deploy(files).ok()) std::abort();
  rt.start(
      {.workflow = "Incident", .id = "I-1", .fields = {{"service", "mail"}, {"priority", "1"}}});
  rt.start({.workflow = "Change", .id = "C-1", .fields = {{"summary", "s"}, {"requester", "a"}}});
  rt.fire({"C-1", "assess", {{"risk", "high"}}, "a", {}, {}, {}});
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = database();
  static engine_runtime rt = engine_runtime::open(path, {.read_only = true});
  static const journal_head before = rt.digest();
  static std::size_t runs = 0;
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    try {
      (void)rt.query(text, {100, 200});
    } catch (const query_error&) {
    }
  } else {
    find_request r;
    r.filter.workflow = "Change";
    r.where = text;
    (void)rt.find(r);
  }
  if (++runs % 64 == 0) {
    const journal_head now = rt.digest();
    if (now.gseq != before.gseq || now.hash != before.hash) std::abort();
  }
  return 0;
}
