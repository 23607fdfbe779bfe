{
  "targets": [
    {
      "target_name": "edgescope_perf",
      "sources": ["src/addon.cc", "src/perf_group.cc", "src/sampler_thread.cc", "src/sampler_binding.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "-Wall"],
      "cflags!": ["-fno-exceptions"]
    }
  ]
}
