#include "runtime/artifacts.h"

#include <cstdlib>
#include <filesystem>
#include <limits>
#include <tuple>
#include <type_traits>

#include "core/binary_io.h"
#include "core/check.h"
#include "quant/integer_fields.h"
#include "runtime/keys.h"
#include "tfhe/commons/parameter_selection.h"

namespace fheq::runtime {
namespace {

using core::BinaryReader;
using core::BinaryWriter;
namespace fs = std::filesystem;

// ---- small helpers ----

void write_shape(BinaryWriter& w, const Shape& s) { w.pod_vector(s); }
Shape read_shape(BinaryReader& r, const char* field) {
  Shape s = r.pod_vector<int64_t>(field, 16);
  uint64_t elements = 1;
  for (int64_t d : s) {
    if (d <= 0 || d > (int64_t{1} << 32)) r.fail(field, "has dimension " + std::to_string(d));
    elements *= static_cast<uint64_t>(d);
    if (elements > (uint64_t{1} << 32)) r.fail(field, "has more than 2^32 elements");
  }
  return s;
}
void write_strings(BinaryWriter& w, const std::vector<std::string>& v) {
  w.u64(v.size());
  for (const auto& s : v) w.str(s);
}
std::vector<std::string> read_strings(BinaryReader& r, const char* field) {
  const uint64_t n = r.u64(field);
  if (n > r.remaining()) r.fail(field, "count " + std::to_string(n) + " exceeds the data left");
  std::vector<std::string> v(n);
  for (auto& s : v) s = r.str(field);
  return v;
}
// Every element these counts announce is written with at least 8 bytes, so a count is bounded by the bytes left
// / 8 before anything is allocated (a bound by bytes alone let 1 MB of file announce 10^6 200-byte records).
uint64_t read_count(BinaryReader& r, const char* field, uint64_t max = (1ull << 32)) {
  const uint64_t n = r.u64(field);
  if (n > max || n > r.remaining() / 8) r.fail(field, "count " + std::to_string(n) + " is implausible");
  return n;
}

// ---- parameters: by name (named sets and DERIVED_… names rebuild exactly), checked by fingerprint ----

void write_params(BinaryWriter& w, const tfhe::TfheParams& p) {
  w.str(p.name);
  w.u64(p.fingerprint());
}
tfhe::TfheParams read_params(BinaryReader& r, bool allow_toy) {
  const std::string name = r.str("parameter set name");
  const uint64_t fingerprint = r.u64("parameter fingerprint");
  tfhe::TfheParams p;
  try {
    p = tfhe::parameter_set_from_name(name, allow_toy);
  } catch (const Error& e) {
    FHEQ_THROW(r.source(), ": parameter set: ", e.what());
  }
  if (p.fingerprint() != fingerprint)
    FHEQ_THROW(r.source(), ": parameter set '", name, "' has fingerprint ", std::hex, p.fingerprint(),
               " in this build but ", fingerprint, " in the file", std::dec);
  return p;
}

// ---- integer graph ----

class GraphReader {
 public:
  GraphReader(BinaryReader& r, size_t value_count) : r_(r), value_count_(value_count) {}
  quant::ValueId id(const char* field) {
    const int64_t v = r_.i64(field);
    if (v < 0 || static_cast<uint64_t>(v) >= value_count_) r_.fail(field, "value id " + std::to_string(v) + " out of range");
    return static_cast<quant::ValueId>(v);
  }

 private:
  BinaryReader& r_;
  size_t value_count_;
};

// Integer ops are written field by field through the field reflection the integer-only proof uses
// (quant/integer_fields.h), after the op's stable tag: a new op needs no code here. Ids and sizes are checked
// by quant::validate once the graph is read.
template <typename T>
struct IsVector : std::false_type {};
template <typename E>
struct IsVector<std::vector<E>> : std::true_type {};

template <typename T>
void write_field(BinaryWriter& w, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    w.str(v);
  } else if constexpr (std::is_enum_v<T> || std::is_integral_v<T>) {
    w.i64(static_cast<int64_t>(v));
  } else if constexpr (IsVector<T>::value) {
    if constexpr (std::is_integral_v<typename T::value_type>) {
      w.pod_vector(v);
    } else {
      w.u64(v.size());
      for (const auto& e : v) write_field(w, e);
    }
  } else {
    static_assert(quant::fields::Reflectable<T>, "an integer-graph field must be reflectable");
    std::apply([&](const auto&... f) { (write_field(w, f), ...); }, quant::fields::field_tuple(const_cast<T&>(v)));
  }
}

template <typename T>
void read_field(BinaryReader& r, T& v, const char* what) {
  if constexpr (std::is_same_v<T, std::string>) {
    v = r.str(what);
  } else if constexpr (std::is_enum_v<T> || std::is_integral_v<T>) {
    using Int = std::conditional_t<std::is_enum_v<T>, std::underlying_type<T>, std::type_identity<T>>::type;
    const int64_t x = r.i64(what);
    if (x < static_cast<int64_t>(std::numeric_limits<Int>::min()) || x > static_cast<int64_t>(std::numeric_limits<Int>::max()))
      r.fail(what, "holds " + std::to_string(x) + ", out of range");
    v = static_cast<T>(x);
  } else if constexpr (IsVector<T>::value) {
    if constexpr (std::is_integral_v<typename T::value_type>) {
      v = r.pod_vector<typename T::value_type>(what);
    } else {
      v.resize(read_count(r, what));
      for (auto& e : v) read_field(r, e, what);
    }
  } else {
    std::apply([&](auto&... f) { (read_field(r, f, what), ...); }, quant::fields::field_tuple(v));
  }
}

void write_op(BinaryWriter& w, const quant::IntOp& op) {
  std::visit(
      [&](const auto& o) {
        w.u64(static_cast<uint64_t>(std::decay_t<decltype(o)>::kTag));
        write_field(w, o);
      },
      op);
}

template <size_t I = 0>
quant::IntOp read_op_with_tag(BinaryReader& r, uint64_t tag, const std::string& what) {
  if constexpr (I == std::variant_size_v<quant::IntOp>) {
    r.fail(what.c_str(), "has kind " + std::to_string(tag) + ", not a known op");
  } else {
    using Op = std::variant_alternative_t<I, quant::IntOp>;
    if (tag != static_cast<uint64_t>(Op::kTag)) return read_op_with_tag<I + 1>(r, tag, what);
    Op op;
    read_field(r, op, what.c_str());
    return op;
  }
}

quant::IntOp read_op(BinaryReader& r, size_t index) {
  const std::string what = "op " + std::to_string(index);
  return read_op_with_tag(r, r.u64(what.c_str()), what);
}

void write_graph(BinaryWriter& w, const quant::IntegerGraph& g) {
  w.u64(g.values.size());
  for (const auto& v : g.values) w.str(v.name), write_shape(w, v.shape);
  w.u64(g.ops.size());
  for (const auto& op : g.ops) write_op(w, op);
  w.i64(g.input), w.i64(g.output);
}

quant::IntegerGraph read_graph(BinaryReader& r) {
  quant::IntegerGraph g;
  g.values.resize(read_count(r, "value count"));
  for (auto& v : g.values) v.name = r.str("value name"), v.shape = read_shape(r, "value shape");
  GraphReader ids(r, g.values.size());
  g.ops.resize(read_count(r, "op count"));
  for (size_t i = 0; i < g.ops.size(); ++i) g.ops[i] = read_op(r, i);
  g.input = ids.id("graph input"), g.output = ids.id("graph output");
  return g;
}

// ---- circuit ----
// Every field of FheCircuit and its parts is written (c1 may add fields: add them here and below too; the
// round-trip test compares re-serialized bytes, so a field missing on BOTH sides would go unnoticed).

void write_tlu(BinaryWriter& w, const compiler::TluEncoding& t) {
  w.u64(t.op_index), w.i64(t.input), w.i64(t.output), w.u64(t.precision), w.i64(t.rounding_shift);
  w.i64(static_cast<int64_t>(t.rounding)), w.i64(t.window_start), w.i64(t.input_offset);
  w.u64(t.input_log2_delta), w.u64(t.output_log2_delta), w.u64(t.keyswitch ? 1 : 0);
  w.u64(t.tables.size());
  for (const auto& table : t.tables) w.pod_vector(table);
  w.pod_vector(t.element_table), w.pod_vector(t.input_variance);
  w.f64(t.max_input_variance), w.f64(t.p_error), w.f64(t.log2_norm2), w.i64(t.pbs_per_sample);
  // Format version 2: exact rounding's chunk plan and its noise predictions.
  w.pod_vector(t.exact_chunk_bits), w.pod_vector(t.exact_chunk_p_error), w.pod_vector(t.accumulator_variance);
  w.f64(t.exact_read_added_variance), w.f64(t.exact_pbs_output_variance);
  // Format version 4: the input scale.
  w.u64(t.input_scale_log2);
}

compiler::TluEncoding read_tlu(BinaryReader& r, GraphReader& ids, size_t op_count) {
  compiler::TluEncoding t;
  t.op_index = r.u64("tlu op index");
  if (t.op_index >= op_count) r.fail("tlu op index", "out of range");
  t.input = ids.id("tlu input"), t.output = ids.id("tlu output");
  t.precision = static_cast<uint32_t>(r.u64("precision"));
  if (t.precision < 1 || t.precision > 16) r.fail("precision", "is " + std::to_string(t.precision));
  t.rounding_shift = r.i64("rounding_shift");
  t.rounding = static_cast<quant::RoundingMode>(r.i64("rounding mode"));
  t.window_start = r.i64("window_start"), t.input_offset = r.i64("input_offset");
  t.input_log2_delta = static_cast<uint32_t>(r.u64("input_log2_delta"));
  t.output_log2_delta = static_cast<uint32_t>(r.u64("output_log2_delta"));
  if (t.input_log2_delta > 63 || t.output_log2_delta > 63) r.fail("log2_delta", "exceeds 63");
  t.keyswitch = r.u64("keyswitch") != 0;
  t.tables.resize(read_count(r, "table count"));
  for (auto& table : t.tables) {
    table = r.pod_vector<int64_t>("table");
    if (table.size() != (size_t{1} << t.precision)) r.fail("table", "size does not match the precision");
  }
  t.element_table = r.pod_vector<int32_t>("element_table");
  for (int32_t e : t.element_table)
    if (e < 0 || static_cast<size_t>(e) >= t.tables.size()) r.fail("element_table", "names a missing table");
  t.input_variance = r.pod_vector<double>("input_variance");
  t.max_input_variance = r.f64("max_input_variance"), t.p_error = r.f64("p_error"), t.log2_norm2 = r.f64("log2_norm2");
  t.pbs_per_sample = r.i64("pbs_per_sample");
  t.exact_chunk_bits = r.pod_vector<uint32_t>("exact_chunk_bits");
  for (uint32_t m : t.exact_chunk_bits)
    if (m < 1 || m > 20) r.fail("exact_chunk_bits", "holds a chunk of " + std::to_string(m) + " bits");
  t.exact_chunk_p_error = r.pod_vector<double>("exact_chunk_p_error");
  t.accumulator_variance = r.pod_vector<double>("accumulator_variance");
  t.exact_read_added_variance = r.f64("exact_read_added_variance");
  t.exact_pbs_output_variance = r.f64("exact_pbs_output_variance");
  t.input_scale_log2 = static_cast<uint32_t>(r.u64("input_scale_log2"));
  if (t.input_scale_log2 > 62) r.fail("input_scale_log2", "exceeds 62");
  return t;
}

void write_input_encoding(BinaryWriter& w, const compiler::InputEncoding& e) {
  w.i64(e.value), w.u64(e.log2_delta), w.i64(static_cast<int64_t>(e.key)), w.i64(e.code_range.min), w.i64(e.code_range.max);
}
compiler::InputEncoding read_input_encoding(BinaryReader& r) {
  compiler::InputEncoding e;
  e.value = static_cast<quant::ValueId>(r.i64("input value"));
  e.log2_delta = static_cast<uint32_t>(r.u64("input log2_delta"));
  const int64_t key = r.i64("input key");
  if (key != 0 && key != 1) r.fail("input key", "is " + std::to_string(key));
  e.key = static_cast<compiler::LweKeyKind>(key);
  e.code_range.min = r.i64("code min"), e.code_range.max = r.i64("code max");
  if (e.log2_delta > 63) r.fail("input log2_delta", "exceeds 63");
  return e;
}
void write_output_encoding(BinaryWriter& w, const compiler::OutputEncoding& e) {
  w.i64(e.value), w.u64(e.log2_delta), w.i64(e.offset), w.u64(e.bits), w.i64(e.range.min), w.i64(e.range.max);
  w.pod_vector(e.variance), w.f64(e.max_variance), w.f64(e.p_error);
  w.u64(e.exact ? 1 : 0), w.f64(e.noise_std), w.i64(e.observed.min), w.i64(e.observed.max), w.f64(e.noise_bound);
  w.u64(e.transport_bits);
}
compiler::OutputEncoding read_output_encoding(BinaryReader& r) {
  compiler::OutputEncoding e;
  e.value = static_cast<quant::ValueId>(r.i64("output value"));
  e.log2_delta = static_cast<uint32_t>(r.u64("output log2_delta"));
  if (e.log2_delta > 63) r.fail("output log2_delta", "exceeds 63");
  e.offset = r.i64("output offset");
  e.bits = static_cast<uint32_t>(r.u64("output bits"));
  e.range.min = r.i64("output min"), e.range.max = r.i64("output max");
  e.variance = r.pod_vector<double>("output variance");
  e.max_variance = r.f64("output max_variance"), e.p_error = r.f64("output p_error");
  e.exact = r.u64("output exact") != 0;
  e.noise_std = r.f64("output noise_std");
  e.observed.min = r.i64("output observed min"), e.observed.max = r.i64("output observed max");
  e.noise_bound = r.f64("output noise_bound");
  e.transport_bits = static_cast<uint32_t>(r.u64("output transport_bits"));
  if (e.transport_bits != 64 && e.transport_bits != compiler::kOutputTransportBits)
    r.fail("output transport_bits", "is " + std::to_string(e.transport_bits) + " (32 or 64)");
  return e;
}

// ---- client records ----

void write_node(BinaryWriter& w, const graph::Node& n) {
  w.str(n.name), w.str(n.op_type);
  write_strings(w, n.inputs), write_strings(w, n.outputs);
  w.u64(n.attributes.size());
  for (const auto& [key, value] : n.attributes) {
    w.str(key);
    w.u64(value.index());
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, int64_t>) w.i64(v);
          else if constexpr (std::is_same_v<T, double>) w.f64(v);
          else if constexpr (std::is_same_v<T, std::string>) w.str(v);
          else if constexpr (std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, std::vector<double>>) w.pod_vector(v);
          else write_shape(w, v.shape), w.pod_vector(v.data);
        },
        value);
  }
}

graph::Node read_node(BinaryReader& r) {
  graph::Node n;
  n.name = r.str("node name"), n.op_type = r.str("node op_type");
  n.inputs = read_strings(r, "node inputs"), n.outputs = read_strings(r, "node outputs");
  const uint64_t count = read_count(r, "attribute count");
  for (uint64_t i = 0; i < count; ++i) {
    const std::string key = r.str("attribute name");
    switch (r.u64("attribute type")) {
      case 0: n.attributes[key] = r.i64("attribute"); break;
      case 1: n.attributes[key] = r.f64("attribute"); break;
      case 2: n.attributes[key] = r.str("attribute"); break;
      case 3: n.attributes[key] = r.pod_vector<int64_t>("attribute"); break;
      case 4: n.attributes[key] = r.pod_vector<double>("attribute"); break;
      case 5: {
        Shape s = r.pod_vector<int64_t>("attribute tensor shape", 16);
        std::vector<double> d = r.pod_vector<double>("attribute tensor");
        if (static_cast<int64_t>(d.size()) != shape_size(s)) r.fail("attribute tensor", "size does not match its shape");
        n.attributes[key] = FloatTensor(s, std::move(d));
        break;
      }
      default: r.fail("attribute type", "is not known");
    }
  }
  return n;
}

void write_group(BinaryWriter& w, const quant::AffineGroup& g) {
  w.f64(g.scale), w.f64(g.offset);
  w.u64(g.steps.size());
  for (const auto& s : g.steps) write_node(w, s.node), w.i64(s.operand), w.pod_vector(s.constants);
}
quant::AffineGroup read_group(BinaryReader& r) {
  quant::AffineGroup g;
  g.scale = r.f64("group scale"), g.offset = r.f64("group offset");
  g.steps.resize(read_count(r, "group steps"));
  for (auto& s : g.steps) {
    s.node = read_node(r);
    s.operand = static_cast<int>(r.i64("step operand"));
    s.constants = r.pod_vector<double>("step constants");
  }
  return g;
}

void write_quant_params(BinaryWriter& w, const QuantParams& p) {
  w.i64(p.n_bits), w.f64(p.scale), w.i64(p.zero_point), w.i64(p.qmin), w.i64(p.qmax);
  w.u64(p.options.is_signed), w.u64(p.options.is_symmetric), w.u64(p.options.is_narrow);
}
QuantParams read_quant_params(BinaryReader& r) {
  QuantParams p;
  p.n_bits = static_cast<int>(r.i64("n_bits"));
  p.scale = r.f64("scale"), p.zero_point = r.i64("zero_point"), p.qmin = r.i64("qmin"), p.qmax = r.i64("qmax");
  p.options.is_signed = r.u64("is_signed") != 0;
  p.options.is_symmetric = r.u64("is_symmetric") != 0;
  p.options.is_narrow = r.u64("is_narrow") != 0;
  return p;
}

void require_end(const BinaryReader& r) {
  if (r.remaining() != 0) r.fail("end of payload", std::to_string(r.remaining()) + " unexpected trailing bytes");
}

// The server circuit's own format version (the client spec has kArtifactVersion): 2 added exact rounding's
// chunk plan to every TLU, 3 the output transport bits, 4 the TLU input scale. Older circuits fail with one line naming the file and
// both versions.
constexpr uint32_t kCircuitFormatVersion = 5;

std::string read_artifact_file(const std::string& path, const char* magic, const char* kind,
                               uint32_t version = kArtifactVersion) {
  if (!fs::exists(path)) FHEQ_THROW(path, ": missing (is this a directory written by `fheq compile`?)");
  const std::string found = file_magic(path);
  if (found == kSecretKeyMagic) FHEQ_THROW(path, ": this is a secret key, not a compiled artifact");
  try {
    return core::read_container_file(path, {magic, version, kind});
  } catch (const Error& e) {
    // An artifact from another fheq version: say what to do about it, still on one line.
    if (std::string(e.what()).find(": format version ") != std::string::npos)
      FHEQ_THROW(e.what(), "; it was written by another fheq version: re-run `fheq compile`");
    throw;
  }
}

}  // namespace

std::string serialize_circuit(const compiler::FheCircuit& c) {
  BinaryWriter w;
  write_graph(w, c.graph);
  w.u64(c.values.size());
  for (const auto& v : c.values) w.i64(v.component), w.u64(v.log2_delta);
  w.u64(c.components.size());
  for (const auto& comp : c.components)
    w.u64(comp.log2_delta), w.i64(static_cast<int64_t>(comp.key)), w.pod_vector(comp.values), w.u64(comp.bits_needed);
  w.u64(c.tlus.size());
  for (const auto& t : c.tlus) write_tlu(w, t);
  write_input_encoding(w, c.input);
  write_output_encoding(w, c.output);
  write_params(w, c.params);
  w.u64(c.tolerate_off_by_one ? 1 : 0);
  w.f64(c.target_p_error), w.f64(c.p_error), w.f64(c.global_p_error);
  w.i64(c.pbs_count), w.i64(c.keyswitch_count), w.u64(c.max_precision);
  w.f64(c.log2_norm2), w.f64(c.pbs_ms), w.i64(c.threads), w.f64(c.estimated_latency_ms);
  return w.buffer();
}

compiler::FheCircuit deserialize_circuit(const std::string& payload, const std::string& source, bool allow_toy) {
  BinaryReader r(payload, source);
  compiler::FheCircuit c;
  c.graph = read_graph(r);
  GraphReader ids(r, c.graph.values.size());
  c.values.resize(read_count(r, "value encodings"));
  if (c.values.size() != c.graph.values.size()) r.fail("value encodings", "count differs from the graph's values");
  for (auto& v : c.values) v.component = static_cast<int32_t>(r.i64("component")), v.log2_delta = static_cast<uint32_t>(r.u64("log2_delta"));
  c.components.resize(read_count(r, "components"));
  for (auto& comp : c.components) {
    comp.log2_delta = static_cast<uint32_t>(r.u64("component log2_delta"));
    const int64_t key = r.i64("component key");
    if (key != 0 && key != 1) r.fail("component key", "is " + std::to_string(key));
    comp.key = static_cast<compiler::LweKeyKind>(key);
    comp.values = r.pod_vector<quant::ValueId>("component values");
    comp.bits_needed = static_cast<uint32_t>(r.u64("component bits_needed"));
  }
  for (const auto& v : c.values)
    if (v.component >= static_cast<int32_t>(c.components.size()) || v.log2_delta > 63)
      r.fail("value encodings", "name a missing component or a Δ above 2^63");
  c.tlus.resize(read_count(r, "tlus"));
  for (auto& t : c.tlus) t = read_tlu(r, ids, c.graph.ops.size());
  c.input = read_input_encoding(r);
  c.output = read_output_encoding(r);
  c.params = read_params(r, allow_toy);
  c.tolerate_off_by_one = r.u64("tolerate_off_by_one") != 0;
  c.target_p_error = r.f64("target_p_error"), c.p_error = r.f64("p_error"), c.global_p_error = r.f64("global_p_error");
  c.pbs_count = r.i64("pbs_count"), c.keyswitch_count = r.i64("keyswitch_count");
  c.max_precision = static_cast<uint32_t>(r.u64("max_precision"));
  c.log2_norm2 = r.f64("log2_norm2"), c.pbs_ms = r.f64("pbs_ms"), c.threads = static_cast<int32_t>(r.i64("threads"));
  c.estimated_latency_ms = r.f64("estimated_latency_ms");
  require_end(r);
  // The graph first (ids, shapes, constant sizes): the circuit checks and every executor index through it.
  try {
    quant::validate(c.graph);
  } catch (const Error& e) {
    FHEQ_THROW(source, ": ", e.what());
  }
  compiler::validate_circuit(c, source);
  return c;
}

uint64_t circuit_fingerprint(const compiler::FheCircuit& circuit) {
  const std::string bytes = serialize_circuit(circuit);
  return core::fnv1a64(bytes.data(), bytes.size());
}

ClientSpec make_client_spec(const compiler::FheCircuit& circuit, const quant::QuantizedNetwork& network) {
  ClientSpec s;
  s.circuit_fingerprint = circuit_fingerprint(circuit);
  s.params = circuit.params;
  s.input = circuit.input;
  s.input_shape = circuit.graph.value(circuit.graph.input).shape;
  s.output = circuit.output;
  s.output_shape = circuit.graph.value(circuit.graph.output).shape;
  s.quantizer = network.input;
  s.dequantizer = network.output;
  s.client_tail = network.client_tail;
  return s;
}

std::string serialize_client_spec(const ClientSpec& s) {
  BinaryWriter w;
  w.u64(s.circuit_fingerprint);
  write_params(w, s.params);
  write_input_encoding(w, s.input);
  write_shape(w, s.input_shape);
  write_output_encoding(w, s.output);
  write_shape(w, s.output_shape);
  write_quant_params(w, s.quantizer.params);
  write_shape(w, s.quantizer.shape);
  w.u64(s.dequantizer.groups.size());
  for (const auto& g : s.dequantizer.groups) write_group(w, g);
  w.pod_vector(s.dequantizer.element_group);
  write_shape(w, s.dequantizer.shape);
  w.u64(s.client_tail.size());
  for (const auto& n : s.client_tail) write_node(w, n);
  return w.buffer();
}

ClientSpec deserialize_client_spec(const std::string& payload, const std::string& source, bool allow_toy) {
  BinaryReader r(payload, source);
  ClientSpec s;
  s.circuit_fingerprint = r.u64("circuit fingerprint");
  s.params = read_params(r, allow_toy);
  s.input = read_input_encoding(r);
  s.input_shape = read_shape(r, "input shape");
  s.output = read_output_encoding(r);
  s.output_shape = read_shape(r, "output shape");
  s.quantizer.params = read_quant_params(r);
  s.quantizer.shape = read_shape(r, "quantizer shape");
  s.dequantizer.groups.resize(read_count(r, "dequantizer groups"));
  for (auto& g : s.dequantizer.groups) g = read_group(r);
  s.dequantizer.element_group = r.pod_vector<int32_t>("element_group");
  for (int32_t e : s.dequantizer.element_group)
    if (e < 0 || static_cast<size_t>(e) >= s.dequantizer.groups.size()) r.fail("element_group", "names a missing group");
  s.dequantizer.shape = read_shape(r, "dequantizer shape");
  // The client indexes element_group by the dequantizer's elements and decodes the circuit's output into it.
  if (static_cast<int64_t>(s.dequantizer.element_group.size()) != shape_size(s.dequantizer.shape))
    r.fail("element_group", std::to_string(s.dequantizer.element_group.size()) + " entries for dequantizer shape " +
                                shape_to_string(s.dequantizer.shape));
  if (shape_size(s.dequantizer.shape) != shape_size(s.output_shape))
    r.fail("dequantizer shape", shape_to_string(s.dequantizer.shape) + " does not hold the output shape " +
                                    shape_to_string(s.output_shape));
  if (shape_size(s.quantizer.shape) != shape_size(s.input_shape))
    r.fail("quantizer shape", shape_to_string(s.quantizer.shape) + " does not match the input shape " +
                                  shape_to_string(s.input_shape));
  s.client_tail.resize(read_count(r, "client tail"));
  for (auto& n : s.client_tail) n = read_node(r);
  require_end(r);
  return s;
}

void save_artifacts(const std::string& dir, const compiler::FheCircuit& circuit, const ClientSpec& client,
                    const std::string& circuit_json, const std::string& client_json) {
  fs::create_directories(fs::path(dir) / "server");
  fs::create_directories(fs::path(dir) / "client");
  core::write_container_file((fs::path(dir) / "server" / "circuit.bin").string(),
                             {kCircuitMagic, kCircuitFormatVersion, "fhe-circuit"}, serialize_circuit(circuit));
  core::write_container_file((fs::path(dir) / "client" / "client.bin").string(),
                             {kClientMagic, kArtifactVersion, "fhe-client"}, serialize_client_spec(client));
  core::write_file_atomic((fs::path(dir) / "server" / "circuit.json").string(), circuit_json);
  core::write_file_atomic((fs::path(dir) / "client" / "client.json").string(), client_json);
}

compiler::FheCircuit load_server_artifact(const std::string& dir, bool allow_toy, uint64_t* fingerprint) {
  const std::string path = (fs::path(dir) / "server" / "circuit.bin").string();
  const std::string payload = read_artifact_file(path, kCircuitMagic, "fhe-circuit", kCircuitFormatVersion);
  compiler::FheCircuit c = deserialize_circuit(payload, path, allow_toy);
  if (fingerprint) *fingerprint = core::fnv1a64(payload.data(), payload.size());
  return c;
}

ClientSpec load_client_artifact(const std::string& dir, bool allow_toy) {
  const std::string path = (fs::path(dir) / "client" / "client.bin").string();
  return deserialize_client_spec(read_artifact_file(path, kClientMagic, "fhe-client"), path, allow_toy);
}

bool toy_parameters_allowed_by_environment() {
  const char* env = std::getenv("FHEQ_ALLOW_TOY_PARAMS");
  return env != nullptr && std::string(env) == "1";
}

}  // namespace fheq::runtime
