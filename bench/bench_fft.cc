// FFT timings: forward (digits → Fourier), backward (Fourier → torus, add), multiply-accumulate and a
// full product, for both backends and N = 512..16384; the blind rotation's fused kernels (rotated
// digits forward, sum-of-products inverse) for the native backend. Run: build/bench/bench_fft
#include <benchmark/benchmark.h>

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tfhe/fft/fft.h"

namespace {

using fheq::tfhe::FftBackend;
using fheq::tfhe::FourierPolynomial;
using fheq::tfhe::NegacyclicFft;

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

// A polynomial of uniformly random torus coefficients (fixed seed: runs compare).
std::vector<uint64_t> random_torus_polynomial(size_t n) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> p(n);
  for (auto& x : p) x = rng();
  return p;
}

std::vector<int64_t> random_digits(size_t n) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> dist(-(1 << 22), 1 << 22);
  std::vector<int64_t> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

void BM_Forward(benchmark::State& state, FftBackend backend) {
  const size_t n = static_cast<size_t>(state.range(0));
  const NegacyclicFft fft(n, backend);
  const auto d = random_digits(n);
  FourierPolynomial out(n);
  for (auto _ : state) {
    fft.forward_i64(d.data(), out);
    benchmark::DoNotOptimize(out.re.data());
  }
}

void BM_BackwardAdd(benchmark::State& state, FftBackend backend) {
  const size_t n = static_cast<size_t>(state.range(0));
  const NegacyclicFft fft(n, backend);
  const auto d = random_digits(n);
  FourierPolynomial f(n);
  fft.forward_i64(d.data(), f);
  std::vector<uint64_t> acc(n, 0);
  for (auto _ : state) {
    fft.backward_add_torus(f, acc.data());
    benchmark::DoNotOptimize(acc.data());
  }
}

void BM_MultiplyAccumulate(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  FourierPolynomial a(n), b(n), acc(n);
  for (auto _ : state) {
    NegacyclicFft::multiply_accumulate(acc, a, b);
    benchmark::DoNotOptimize(acc.re.data());
  }
}

// One full product: forward(digits) + forward(torus) + multiply + backward.
void BM_Product(benchmark::State& state, FftBackend backend) {
  const size_t n = static_cast<size_t>(state.range(0));
  const NegacyclicFft fft(n, backend);
  const auto d = random_digits(n);
  std::vector<uint64_t> a(n, 0x0123456789abcdefULL), out(n);
  FourierPolynomial fa(n), fd(n), acc(n);
  for (auto _ : state) {
    fft.forward_torus(a.data(), fa);
    fft.forward_i64(d.data(), fd);
    std::fill(acc.re.begin(), acc.re.end(), 0.0);
    std::fill(acc.im.begin(), acc.im.end(), 0.0);
    NegacyclicFft::multiply_accumulate(acc, fa, fd);
    fft.backward_torus(acc, out.data());
    benchmark::DoNotOptimize(out.data());
  }
}

// The blind rotation's forward transforms: digit 0 of X^777·p − p (rotation and gadget digit fused
// into the first pass), one level of 23 bits (TFHE-rs, CONCRETE_P6) ...
void BM_ForwardRotatedDigit(benchmark::State& state, FftBackend backend) {
  const size_t n = static_cast<size_t>(state.range(0));
  const NegacyclicFft fft(n, backend);
  const std::vector<uint64_t> p = random_torus_polynomial(n);
  FourierPolynomial out(n);
  for (auto _ : state) {
    fft.forward_rotated_digit(p.data(), 777, 23, 1, 0, out);
    benchmark::DoNotOptimize(out.re.data());
  }
}

// ... and both digits of a 2×15 decomposition in one call (the N = 8192 demo set's PBS).
void BM_ForwardRotatedDigitsTwoLevels(benchmark::State& state, FftBackend backend) {
  const size_t n = static_cast<size_t>(state.range(0));
  const NegacyclicFft fft(n, backend);
  const std::vector<uint64_t> p = random_torus_polynomial(n);
  FourierPolynomial top(n), low(n);
  FourierPolynomial* outs[2] = {&top, &low};
  for (auto _ : state) {
    fft.forward_rotated_digits(p.data(), 777, 15, 2, outs);
    benchmark::DoNotOptimize(top.re.data());
    benchmark::DoNotOptimize(low.re.data());
  }
}

// The external product's inverse: acc += IFFT(Σ_t a_t ⊙ b_t) for t < range(1) (2 = k+1 rows of a
// one-level GGSW with k = 1; 4 = two levels).
void BM_BackwardAddProducts(benchmark::State& state, FftBackend backend) {
  const size_t n = static_cast<size_t>(state.range(0)), count = static_cast<size_t>(state.range(1));
  const NegacyclicFft fft(n, backend);
  const auto d = random_digits(n);
  std::vector<FourierPolynomial> terms(2 * count, FourierPolynomial(n));
  std::vector<const FourierPolynomial*> a, b;
  for (size_t t = 0; t < count; ++t) {
    fft.forward_i64(d.data(), terms[2 * t]);
    fft.forward_i64(d.data(), terms[2 * t + 1]);
    a.push_back(&terms[2 * t]);
    b.push_back(&terms[2 * t + 1]);
  }
  std::vector<uint64_t> acc(n, 0);
  for (auto _ : state) {
    fft.backward_add_torus_of_products(a.data(), b.data(), count, acc.data());
    benchmark::DoNotOptimize(acc.data());
  }
}

#define FHEQ_FFT_BENCH(fn)                                                                      \
  BENCHMARK_CAPTURE(fn, native, FftBackend::kNative)->RangeMultiplier(2)->Range(512, 16384);    \
  BENCHMARK_CAPTURE(fn, fftw, FftBackend::kFftw)->RangeMultiplier(2)->Range(512, 16384)

FHEQ_FFT_BENCH(BM_Forward);
FHEQ_FFT_BENCH(BM_BackwardAdd);
FHEQ_FFT_BENCH(BM_Product);
BENCHMARK(BM_MultiplyAccumulate)->RangeMultiplier(2)->Range(512, 16384);
BENCHMARK_CAPTURE(BM_ForwardRotatedDigit, native, FftBackend::kNative)->RangeMultiplier(2)->Range(1024, 16384);
BENCHMARK_CAPTURE(BM_ForwardRotatedDigitsTwoLevels, native, FftBackend::kNative)->RangeMultiplier(2)->Range(1024, 16384);
BENCHMARK_CAPTURE(BM_BackwardAddProducts, native, FftBackend::kNative)
    ->ArgsProduct({{1024, 2048, 4096, 8192, 16384}, {2, 4}});

}  // namespace

int main(int argc, char** argv) {
  benchmark::AddCustomContext("cpu_model", cpu_model());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
