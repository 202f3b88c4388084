// Subcommand registry: each cmd_*.cc registers its subcommand with a static CommandRegistration,
// so adding a command touches only its own file.
#pragma once

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace fheq::cli {

using CommandSetup = std::function<void(CLI::App& app)>;

std::vector<CommandSetup>& command_setups();

struct CommandRegistration {
  explicit CommandRegistration(CommandSetup setup) { command_setups().push_back(std::move(setup)); }
};

}  // namespace fheq::cli
