// Encrypted inference end to end with the public C++ API: compile a model, then play client and server.
//
//   encrypted_inference [MODEL.onnx] [DATASET] [COUNT] [N_BITS]
//   (defaults: models/digits_mlp.onnx digits 4 2 — seconds on two cores)
//
// The server side only ever sees ART/server/, KEYS/eval.keys and IN.ct; the secret key stays with the client.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fheq/compiler.h"
#include "fheq/fheq.h"

int main(int argc, char** argv) {
  const std::string model_path = argc > 1 ? argv[1] : "models/digits_mlp.onnx";
  const std::string dataset = argc > 2 ? argv[2] : "digits";
  const int64_t count = argc > 3 ? std::atoll(argv[3]) : 4;
  const int bits = argc > 4 ? std::atoi(argv[4]) : 2;
  const std::string dir = (std::filesystem::temp_directory_path() / "fheq_example").string();
  try {
    // 1. Developer: quantize + compile, write the client and server artifacts.
    const fheq::FloatModel model = fheq::FloatModel::load(model_path);
    fheq::CompileOptions options;
    options.ptq.n_bits = fheq::NBits::all(bits);
    // One scale per weight tensor: at 2 bits digits_mlp's tables then read 5 bits (N = 2048); per-channel scales
    // (the default) use each row's full 2-bit range and widen them to 7 bits, a 16× larger N.
    options.ptq.per_channel = false;
    const fheq::CompiledModel compiled = fheq::compile(model, fheq::load_dataset(dataset, "train").x, options);
    std::printf("%s", compiled.report().to_text().c_str());
    fheq::save_artifacts(compiled, dir + "/ART");

    // 2. Client: keys, then encrypt a few test images.
    fheq::Client client = fheq::Client::load(dir + "/ART");
    client.generate_keys();
    client.save_keys(dir + "/secret.key", dir + "/eval.keys");  // the secret key stays on the client's side
    const fheq::Dataset test = fheq::load_dataset(dataset, "test");
    const fheq::FloatTensor x = fheq::slice_batch(test.x, 0, count);
    client.encrypt(x, dir + "/IN.ct");

    // 3. Server: evaluation keys only.
    const fheq::Server server = fheq::Server::load(dir + "/ART", dir + "/eval.keys");
    const fheq::ServerRunReport report = server.run(dir + "/IN.ct", dir + "/OUT.ct");
    std::printf("%s", report.to_text().c_str());

    // 4. Client: decrypt, compare with the clear quantized model.
    const fheq::FloatTensor y = client.decrypt(dir + "/OUT.ct");
    const fheq::IntTensor clear = compiled.run_clear(compiled.quantize_input(x));
    const fheq::IntTensor encrypted = client.decrypt_accumulators(dir + "/OUT.ct");
    int64_t equal = 0;
    for (int64_t i = 0; i < clear.size(); ++i) equal += clear[i] == encrypted[i];
    std::printf("encrypted accuracy on %lld images: %.3f; %lld / %lld output values equal to the clear run\n",
                static_cast<long long>(count), fheq::top1_accuracy(y, {test.y.begin(), test.y.begin() + count}),
                static_cast<long long>(equal), static_cast<long long>(clear.size()));
    // With exact output decoding (the report says so) every decrypted accumulator must be the clear one.
    if (compiled.report().output_exact && equal != clear.size()) {
      std::fprintf(stderr, "error: %lld decrypted outputs differ from the clear run\n",
                   static_cast<long long>(clear.size() - equal));
      return 2;
    }
  } catch (const fheq::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
