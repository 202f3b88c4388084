// Subcommand registry: each cmd_*.cc registers its subcommand with a static CommandRegistration,
// so adding a command touches only its own file.
#pragma once

#include <cmath>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace fheq::cli {

using CommandSetup = std::function<void(CLI::App& app)>;

std::vector<CommandSetup>& command_setups();

struct CommandRegistration {
  explicit CommandRegistration(CommandSetup setup) { command_setups().push_back(std::move(setup)); }
};

// --p-error / --global-p-error: a probability in (0, 1). Zero, negative, NaN or ≥ 1 is refused, never replaced.
inline CLI::Validator probability_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double p = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0' || !std::isfinite(p) || p <= 0.0 || p >= 1.0)
          return "expected a probability in (0, 1), got '" + text + "'";
        return "";
      },
      "PROBABILITY");
}

}  // namespace fheq::cli
