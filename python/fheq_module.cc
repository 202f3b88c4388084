// fheq._fheq: the public C++ API (include/fheq/) for Python, numpy arrays in and out. python/fheq/__init__.py is
// the user-facing layer (keyword arguments, compile_torch, forward's fhe= modes); this file only converts.
// fheq::Error becomes fheq.Error with the same one-line message. The GIL is released while C++ computes
// (compile, clear / simulate runs, keygen, encryption, the server's evaluation).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <utility>

#include "fheq/fheq.h"

namespace py = pybind11;

namespace {

using FloatArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IntArray = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;

template <typename T, typename Array>
fheq::Tensor<T> to_tensor(const Array& a) {
  fheq::Shape shape(a.shape(), a.shape() + a.ndim());
  return fheq::Tensor<T>(std::move(shape), std::vector<T>(a.data(), a.data() + a.size()));
}

template <typename T>
py::array_t<T> to_numpy(const fheq::Tensor<T>& t) {
  py::array_t<T> out(std::vector<py::ssize_t>(t.shape.begin(), t.shape.end()));
  std::copy(t.data.begin(), t.data.end(), out.mutable_data());
  return out;
}

// The options python/fheq/__init__.py passes (it names the keyword arguments; an unknown key is a bug there).
fheq::CompileOptions compile_options(const py::dict& d) {
  fheq::CompileOptions o;
  for (const auto& [key_obj, value] : d) {
    const std::string key = py::str(key_obj);
    if (key == "n_bits_inputs") {
      o.ptq.n_bits.inputs = value.cast<int>();
    } else if (key == "n_bits_weights") {
      o.ptq.n_bits.weights = value.cast<int>();
    } else if (key == "n_bits_activations") {
      o.ptq.n_bits.activations = value.cast<int>();
    } else if (key == "n_bits_outputs") {
      o.ptq.n_bits.outputs = value.cast<int>();
    } else if (key == "per_channel") {
      o.ptq.per_channel = value.cast<bool>();
    } else if (key == "layer_weight_bits") {
      o.ptq.layer_weight_bits = value.cast<std::map<std::string, int>>();
    } else if (key == "calibration") {
      o.ptq.calibration.method = fheq::parse_calibration_method(value.cast<std::string>());
    } else if (key == "calib_size") {
      o.ptq.calib_size = value.cast<int64_t>();
    } else if (key == "rounding") {
      fheq::set_rounding(o, value.cast<std::string>(), "rounding");
    } else if (key == "rounding_mode") {
      o.rounding_mode = fheq::parse_rounding_mode(value.cast<std::string>(), "rounding_mode");
    } else if (key == "rounding_tolerance") {
      o.auto_tolerance = value.cast<double>() / 100.0;
    } else if (key == "p_error") {
      o.p_error = value.cast<double>();
    } else if (key == "global_p_error") {
      o.global_p_error = value.cast<double>();
    } else if (key == "threads") {
      o.threads = value.cast<int>();
    } else if (key == "allocate_bits") {
      o.allocate_bits = value.cast<bool>();
    } else if (key == "parameter_set") {
      o.parameter_set = value.cast<std::string>();
    } else if (key == "allow_toy_parameters") {
      o.allow_toy_parameters = value.cast<bool>();
    } else if (key == "predict_accuracy") {
      o.predict_accuracy = value.cast<bool>();
    } else {
      throw fheq::Error("compile: unknown option '" + key + "'");
    }
  }
  return o;
}

fheq::RuntimeOptions runtime_options(unsigned threads, bool allow_toy) {
  fheq::RuntimeOptions o;
  o.threads = threads;
  o.allow_toy_params = allow_toy;
  return o;
}

// client.*decrypt(bytes) with the GIL released, as numpy.
template <typename T>
py::array_t<T> decrypt_with(const fheq::Client& client, const py::bytes& ciphertexts,
                            fheq::Tensor<T> (fheq::Client::*decrypt)(const std::string&) const) {
  const std::string in = ciphertexts;
  fheq::Tensor<T> y;
  {
    py::gil_scoped_release release;
    y = (client.*decrypt)(in);
  }
  return to_numpy(y);
}

py::dict run_report(const fheq::ServerRunReport& r) {
  py::list layers;
  for (const fheq::LayerTiming& l : r.layers)
    layers.append(py::dict(py::arg("kind") = l.kind, py::arg("name") = l.name, py::arg("pbs") = l.pbs,
                           py::arg("ms") = l.ms));
  return py::dict(py::arg("samples") = r.samples, py::arg("threads") = r.threads, py::arg("load_ms") = r.load_ms,
                  py::arg("evaluate_ms") = r.evaluate_ms, py::arg("ms_per_sample") = r.ms_per_sample,
                  py::arg("pbs") = r.pbs, py::arg("input_bytes") = r.input_file_bytes,
                  py::arg("output_bytes") = r.output_file_bytes, py::arg("layers") = layers);
}

}  // namespace

PYBIND11_MODULE(_fheq, m) {
  m.doc() = "fheq's C++ core (use the fheq package, not this module)";
  py::register_exception<fheq::Error>(m, "Error");

  m.def(
      "load_dataset",
      [](const std::string& name, const std::string& split) {
        fheq::Dataset d;
        {
          py::gil_scoped_release release;
          d = fheq::load_dataset(name, split);
        }
        return py::make_tuple(to_numpy(d.x), to_numpy(fheq::IntTensor({static_cast<int64_t>(d.y.size())}, d.y)));
      },
      py::arg("name"), py::arg("split"));

  py::class_<fheq::CompiledModel>(m, "CompiledModel")
      .def("predict_clear",
           [](const fheq::CompiledModel& self, const FloatArray& x) {
             const fheq::FloatTensor in = to_tensor<double>(x);
             fheq::FloatTensor y;
             {
               py::gil_scoped_release release;
               y = self.predict_clear(in);
             }
             return to_numpy(y);
           })
      .def("predict_simulate",
           [](const fheq::CompiledModel& self, const FloatArray& x, uint64_t seed) {
             const fheq::FloatTensor in = to_tensor<double>(x);
             fheq::FloatTensor y;
             {
               py::gil_scoped_release release;
               y = self.predict_simulate(in, seed);
             }
             return to_numpy(y);
           })
      .def("report_json", [](const fheq::CompiledModel& self) { return self.report().to_json(); })
      .def("report_text", [](const fheq::CompiledModel& self) { return self.report().to_text(); })
      .def("save", [](const fheq::CompiledModel& self, const std::string& dir) {
        py::gil_scoped_release release;
        return fheq::save_artifacts(self, dir);
      });

  m.def(
      "compile_onnx",
      [](const std::string& path, const FloatArray& x, const std::vector<int64_t>& labels, const py::dict& options) {
        fheq::CompileOptions o = compile_options(options);
        o.calibration_labels = labels;
        const fheq::FloatTensor calibration = to_tensor<double>(x);
        py::gil_scoped_release release;
        const fheq::FloatModel model = fheq::FloatModel::load(path);
        return fheq::compile(model, calibration, o);
      },
      py::arg("path"), py::arg("x"), py::arg("labels"), py::arg("options"));

  py::class_<fheq::Client>(m, "Client")
      .def(py::init([](const std::string& dir, bool allow_toy) {
             return fheq::Client::load(dir, runtime_options(0, allow_toy));
           }),
           py::arg("artifact_dir"), py::arg("allow_toy_params") = false)
      .def("generate_keys", &fheq::Client::generate_keys, py::call_guard<py::gil_scoped_release>())
      .def("save_keys", &fheq::Client::save_keys, py::arg("secret_key_path"), py::arg("evaluation_keys_path"))
      .def("load_secret_key", &fheq::Client::load_secret_key, py::arg("path"))
      .def("evaluation_keys", [](const fheq::Client& self) { return py::bytes(self.evaluation_keys_bytes()); })
      .def("encrypt",
           [](const fheq::Client& self, const FloatArray& x) {
             const fheq::FloatTensor in = to_tensor<double>(x);
             std::string out;
             {
               py::gil_scoped_release release;
               out = self.encrypt_to_bytes(in);
             }
             return py::bytes(out);
           })
      .def("decrypt", [](const fheq::Client& self, const py::bytes& ciphertexts) {
        return decrypt_with(self, ciphertexts, &fheq::Client::decrypt_from_bytes);
      })
      .def("decrypt_accumulators", [](const fheq::Client& self, const py::bytes& ciphertexts) {
        return decrypt_with(self, ciphertexts, &fheq::Client::decrypt_accumulators_from_bytes);
      })
      .def("quantize", [](const fheq::Client& self, const FloatArray& x) {
        return to_numpy(self.quantize(to_tensor<double>(x)));
      })
      .def_property_readonly("params_name", &fheq::Client::params_name)
      .def_property_readonly("circuit_fingerprint", &fheq::Client::circuit_fingerprint);

  py::class_<fheq::Server>(m, "Server")
      .def(py::init([](const std::string& dir, const py::bytes& evaluation_keys, unsigned threads, bool allow_toy) {
             const std::string keys = evaluation_keys;
             py::gil_scoped_release release;
             return fheq::Server::load_from_key_bytes(dir, keys, runtime_options(threads, allow_toy));
           }),
           py::arg("artifact_dir"), py::arg("evaluation_keys"), py::arg("threads") = 0,
           py::arg("allow_toy_params") = false)
      .def("run",
           [](const fheq::Server& self, const py::bytes& ciphertexts) {
             const std::string in = ciphertexts;
             fheq::ServerRunReport report;
             std::string out;
             {
               py::gil_scoped_release release;
               out = self.run_bytes(in, &report);
             }
             return py::make_tuple(py::bytes(out), run_report(report));
           })
      .def_property_readonly("params_name", &fheq::Server::params_name)
      .def_property_readonly("pbs_per_sample", &fheq::Server::pbs_per_sample)
      .def_property_readonly("key_load_seconds", &fheq::Server::key_load_seconds);

  py::class_<fheq::RemoteServer>(m, "RemoteServer")
      .def(py::init<const std::string&>(), py::arg("url"))
      .def("upload_keys",
           [](fheq::RemoteServer& self, const py::bytes& evaluation_keys) {
             const std::string keys = evaluation_keys;
             py::gil_scoped_release release;
             return self.upload_keys(keys);
           })
      .def("run",
           [](fheq::RemoteServer& self, const py::bytes& ciphertexts, const py::bytes& evaluation_keys) {
             const std::string in = ciphertexts, keys = evaluation_keys;
             std::string out;
             {
               py::gil_scoped_release release;
               out = self.run(keys, in);
             }
             return py::bytes(out);
           })
      .def("healthy", &fheq::RemoteServer::healthy, py::call_guard<py::gil_scoped_release>())
      .def_static("key_id", [](const py::bytes& evaluation_keys) {
        return fheq::RemoteServer::key_id(evaluation_keys);
      });
}
