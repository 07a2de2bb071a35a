{
  "targets": [
    {
      "target_name": "udp_mmsg",
      "sources": ["src/udp_mmsg.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
