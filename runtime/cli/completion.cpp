// `vflow completion bash`: a bash completion script made from the command line vflow parses, so
// that it never falls behind a new command or option.
#include <CLI/CLI.hpp>
#include <iostream>
#include <set>
#include <sstream>

#include "runtime/cli/cli.hpp"

namespace vflow::cli {

namespace {

struct completion_args {
  std::string shell;
};

// The options `cmd` takes, as typed: `--name` and `-n`, and whether each takes a value.
void options_of(const CLI::App& cmd, std::set<std::string>& names, std::set<std::string>& valued) {
  for (const CLI::Option* o : cmd.get_options()) {
    if (o->get_positional()) continue;
    const bool takes_value = o->get_type_size() != 0;
    for (const auto& l : o->get_lnames()) {
      names.insert("--" + l);
      if (takes_value) valued.insert("--" + l);
    }
    for (const auto& s : o->get_snames()) {
      names.insert("-" + s);
      if (takes_value) valued.insert("-" + s);
    }
  }
}

std::string words(const std::set<std::string>& set) {
  std::string out;
  for (const auto& w : set) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string bash_script(CLI::App& app) {
  std::set<std::string> globals, global_valued, commands;
  options_of(app, globals, global_valued);
  std::ostringstream cases;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    commands.insert(sub->get_name());
    std::set<std::string> names, valued;
    options_of(*sub, names, valued);
    cases << "    " << sub->get_name() << ") opts=\"" << words(names) << "\" ;;\n";
  }
  commands.insert("help");
  std::ostringstream out;
  out << "# bash completion for vflow, made by `vflow completion bash`. Install it with\n"
         "#   vflow completion bash > ~/.local/share/bash-completion/completions/vflow\n"
         "# or load it for this shell with: source <(vflow completion bash)\n"
         "_vflow() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]}\n"
         "  local prev=${COMP_WORDS[COMP_CWORD-1]}\n"
         "  local commands=\""
      << words(commands)
      << "\"\n"
         "  local globals=\""
      << words(globals)
      << "\"\n"
         "  local cmd=\"\" i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case ${COMP_WORDS[i]} in\n"
         "      "
      <<
      [&] {
        std::string alts;
        for (const auto& v : global_valued) alts += (alts.empty() ? "" : "|") + v;
        return alts.empty() ? std::string("--no-such-option") : alts;
      }()
      << ") ((i++)) ;;\n"
         "      -*) ;;\n"
         "      *) cmd=${COMP_WORDS[i]}; break ;;\n"
         "    esac\n"
         "  done\n"
         "  if [[ -z $cmd ]]; then\n"
         "    if [[ $cur == -* ]]; then\n"
         "      COMPREPLY=($(compgen -W \"$globals\" -- \"$cur\"))\n"
         "    else\n"
         "      COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
         "    fi\n"
         "    return\n"
         "  fi\n"
         "  local opts=\"\"\n"
         "  case $cmd in\n"
      << cases.str()
      << "    help) COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\")); return ;;\n"
         "  esac\n"
         "  if [[ $cur == -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
         "  else\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "  fi\n"
         "}\n"
         "complete -o default -F _vflow vflow\n";
  return out.str();
}

}  // namespace

void add_completion_command(CLI::App& app, global_options&, command_runner& run) {
  auto args = std::make_shared<completion_args>();
  CLI::App* cmd = app.add_subcommand("completion", "Print a shell completion script");
  cmd->add_option("shell", args->shell, "The shell: bash")
      ->required()
      ->check(CLI::IsMember({"bash"}));
  cmd->footer(
      "Completes commands, global options and each command's options; file names elsewhere.\n"
      "Example: source <(vflow completion bash)");
  CLI::App* root = &app;
  cmd->callback([&run, root, args] {  // `args` lives as long as the option that fills it
    run = [root] {
      std::cout << bash_script(*root);
      return static_cast<int>(exit_ok);
    };
  });
}

}  // namespace vflow::cli
