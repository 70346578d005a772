/**
 * onnxruntime's native library records telemetry in ~/.cache/Microsoft/DeveloperTools/
 * .onnxruntime/onnxruntime.db (and may try to upload it) unless ORT_DISABLE_TELEMETRY is set
 * when it starts. Imported for this effect only, before onnxruntime-node, by the two modules that
 * load it; an operator's own value (e.g. 0) is kept. Worker threads share the process environment.
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';
