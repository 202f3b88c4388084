// fheq::Error keeps its message on one printable line, whatever bytes a file put into the names it quotes.
#include <gtest/gtest.h>

#include <string>

#include "core/check.h"
#include "fheq/error.h"

namespace fheq {
namespace {

TEST(Error, ControlCharactersFromInputsAreEscaped) {
  const std::string name = std::string("TOY") + '\n' + "P4" + '\r' + '\t' + char(0) + char(0x7f) + "\xc3\xa9";
  try {
    FHEQ_THROW("params.bin: unknown parameter set '", name, "'");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "params.bin: unknown parameter set 'TOY\\x0aP4\\x0d\\x09\\x00\\x7f\xc3\xa9'");
  }
  EXPECT_EQ(std::string(Error("plain message, é").what()), "plain message, é");
}

}  // namespace
}  // namespace fheq
