// fheq run ART/ --eval-keys KEYS/eval.keys IN.ct -o OUT.ct [--threads T] [--mpi]   (server: no secret key)
// --mpi, under `mpirun -np K`: the K processes share every TLU op's PBSs (fheq/mpi.h); rank 0 writes OUT.ct.
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "file_bytes.h"
#include "fheq/fheq.h"

namespace fheq::cli {
namespace {

struct RunArgs {
  std::string artifact, eval_keys, input, output;
  unsigned threads = 0;
  bool quiet = false;
  bool mpi = false;
};

// Every rank evaluates its share; rank 0 writes the result and reports.
void run_mpi(const RunArgs& a) {
  MpiSession mpi;
  RuntimeOptions options;
  options.threads = a.threads;
  options.exchange = mpi.exchange();
  const Server server = Server::load(a.artifact, a.eval_keys, options);
  ServerRunReport r;
  const std::string out = server.run_bytes(read_bytes(a.input), &r);
  if (mpi.rank() != 0) return;
  write_bytes(a.output, out);
  if (!a.quiet) {
    std::printf("parameters: %s; %d MPI ranks, each %u threads; evaluation keys expanded in %.2f s\n",
                server.params_name().c_str(), mpi.size(), r.threads, server.key_load_seconds());
    std::printf("%s", r.to_text().c_str());
  }
  std::printf("wrote %s\n", a.output.c_str());
}

void run_server(const RunArgs& a) {
  if (a.mpi) return run_mpi(a);
  RuntimeOptions options;
  options.threads = a.threads;
  const Server server = Server::load(a.artifact, a.eval_keys, options);
  const ServerRunReport r = server.run(a.input, a.output);
  if (!a.quiet) {
    std::printf("parameters: %s; evaluation keys loaded and expanded in %.2f s\n", server.params_name().c_str(),
                server.key_load_seconds());
    std::printf("%s", r.to_text().c_str());
  }
  std::printf("wrote %s\n", a.output.c_str());
}

const CommandRegistration registration([](CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* sub = app.add_subcommand("run", "Evaluate the circuit on encrypted inputs (server; evaluation keys only)");
  sub->add_option("artifact", args->artifact, "artifact directory")->required();
  sub->add_option("--eval-keys", args->eval_keys, "evaluation keys (KEYS/eval.keys)")->required();
  sub->add_option("input", args->input, "encrypted inputs (IN.ct)")->required();
  sub->add_option("-o,--output", args->output, "encrypted outputs (OUT.ct)")->required();
  sub->add_option("--threads", args->threads, "threads (default: all cores)");
  sub->add_flag("--quiet", args->quiet, "no per-layer report");
  sub->add_flag("--mpi", args->mpi, "under mpirun: share the PBSs of every layer with the other ranks");
  sub->callback([args] { run_server(*args); });
});

}  // namespace
}  // namespace fheq::cli
