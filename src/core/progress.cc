#include "core/progress.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace fheq::core {

Progress::Progress(std::string label, size_t total)
    : label_(std::move(label)), total_(total), start_(std::chrono::steady_clock::now()), last_draw_(start_) {
  const char* env = std::getenv("FHEQ_PROGRESS");  // "0" silences, "1" forces
  enabled_ = env ? std::string(env) != "0" : ::isatty(STDERR_FILENO) != 0;
}

Progress::~Progress() { finish(); }

void Progress::advance(size_t n) {
  size_t done = done_ += n;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (now - start_ < std::chrono::seconds(1) || now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  draw(done);
}

void Progress::draw(size_t done) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  int width = 30;
  int filled = total_ ? static_cast<int>(width * static_cast<double>(done) / static_cast<double>(total_)) : 0;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(static_cast<size_t>(width), '.');
  std::fprintf(stderr, "\r%s [%s] %zu/%zu %.1fs", label_.c_str(), bar.c_str(), done, total_, seconds);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (enabled_ && drawn_) {
    draw(done_);
    std::fputc('\n', stderr);
  }
}

}  // namespace fheq::core
