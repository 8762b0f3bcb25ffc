package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.io.logs.EngineLog;
import dev.vramcalc.io.logs.LogReader;
import dev.vramcalc.io.logs.Reconciler;
import java.util.List;
import org.junit.jupiter.api.Test;

/** reconcile on the logs quoted in the calibration data: the engine's numbers beside the estimate. */
class ReconcileTest {

  private static Reconciler.Result run(String log, Reconciler.Overrides o) {
    return Reconciler.reconcile(Fixtures.resource("/logs/" + log), log, o);
  }

  private static Reconciler.Row row(Reconciler.Result r, String quantity) {
    return r.rows().stream().filter(x -> x.quantity().equals(quantity)).findFirst().orElseThrow();
  }

  @Test
  void vllmLogSettingsComeFromTheNonDefaultArgs() {
    Reconciler.Result r = run("dl-qwen2-7b-tp2-a100-u025.log", new Reconciler.Overrides(null, "a100-sxm-80gb", null, null, null, null, null));

    assertThat(r.log().setting("tensor_parallel_size")).isEqualTo("2");
    assertThat(r.log().setting("gpu_memory_utilization")).isEqualTo("0.25");
    assertThat(r.model().hfId()).isEqualTo("Qwen/Qwen2-7B-Instruct");
    assertThat(Math.abs(row(r, "weights_bytes").relativeError())).isLessThan(0.001);
    assertThat(Math.abs(row(r, "kv_cache_tokens").relativeError())).isLessThan(0.03);
    assertThat(Math.abs(row(r, "max_concurrency").relativeError())).isLessThan(0.03);
  }

  @Test
  void v0ProfilingLinesAreRead() {
    Reconciler.Result r = run("pr10511-llama3-8b-h100-tp1.log", new Reconciler.Overrides(null, "h100-sxm-80gb", null, null, null, null, "0.6.5"));

    assertThat(r.model().hfId()).isEqualTo("meta-llama/Meta-Llama-3-8B");
    assertThat(r.rows()).extracting(Reconciler.Row::quantity).contains("weights_bytes", "non_torch_bytes", "activation_peak_bytes", "kv_cache_bytes");
    assertThat(Math.abs(row(r, "kv_cache_bytes").relativeError())).isLessThan(0.03);
  }

  @Test
  void llamaCppBuffersPerDevice() {
    Reconciler.Result r = run("llamacpp6122-2gpu-40layer-4k.log", new Reconciler.Overrides("command-r-v01", null, null, null, null, "q4_k_s", null));

    assertThat(row(r, "model_buffer_bytes.CUDA0").relativeError()).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(row(r, "model_buffer_bytes.CUDA1").relativeError()).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(row(r, "kv_buffer_bytes.CUDA0").relativeError()).isZero();
    assertThat(row(r, "kv_buffer_bytes.CUDA1").relativeError()).isZero();
    assertThat(Math.abs(row(r, "compute_buffer_bytes.CUDA0").relativeError())).isLessThan(0.15);
  }

  @Test
  void pinnedHostBuffersAreNotDevices() {
    // older llama.cpp logs print "CUDA_Host buffer size" (pinned host memory) beside the CUDA0, CUDA1 device buffers;
    // the device count came from the digits after CUDA and broke on it (found in review)
    String log = Fixtures.resource("/logs/llamacpp6122-2gpu-40layer-4k.log") + "\nllm_load_tensors:  CUDA_Host model buffer size =    20.00 MiB\n";
    Reconciler.Result r = Reconciler.reconcile(log, "with-host-buffer.log", new Reconciler.Overrides("command-r-v01", null, null, null, null, "q4_k_s", null));

    assertThat(row(r, "model_buffer_bytes.CUDA0").relativeError()).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(row(r, "model_buffer_bytes.CUDA1").relativeError()).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void theModelIsRecognizedFromGeneralName() {
    Reconciler.Result r = run("ollama6279-llama31-70b-q4_0-size.log", new Reconciler.Overrides(null, null, null, null, null, null, null));

    assertThat(r.model().id()).isEqualTo("llama-3.1-70b-instruct");
    assertThat(Math.abs(row(r, "model_size_bytes").relativeError())).isLessThan(0.001);
  }

  @Test
  void aLogWithoutModelNamesOrHyperParametersAsksForTheModel() {
    assertThatThrownBy(() -> run("ggmlci-jina-rerank-tiny-v100.log", new Reconciler.Overrides(null, null, null, null, null, null, null)))
        .isInstanceOf(BadInputException.class)
        .hasMessage("the log does not print the model's hyper-parameters (n_embd, n_layer, …); pass the MODEL to reconcile against");
  }

  @Test
  void garbledNumbersAreSkippedNeverReadAsTheirTail() {
    // "1.2.3 GiB" once matched as 2.3 GiB, or (after a fuzz finding) refused the whole log; now such a line is skipped
    EngineLog log = LogReader.read("""
        INFO 09-04 01:03:03 [gpu_model_runner.py:2007] Model loading took 1.2.3 GiB and 4.4 seconds
        INFO 09-04 01:04:29 [gpu_worker.py:276] Available KV cache memory: 5.01 GiB
        INFO 09-04 01:04:29 [kv_cache_utils.py:853] Maximum concurrency for 16,384 tokens per request: 5..3x
        """, "garbled.log");

    assertThat(log.reported()).extracting(EngineLog.Reported::key).containsExactly("kv_cache_bytes");
    assertThat(log.reported().get(0).value()).isEqualTo(5.01 * (1L << 30));
  }

  @Test
  void unknownTextIsRefusedWithTheFormatsThatAreRead() {
    assertThatThrownBy(() -> LogReader.read("hello world\n", "notes.txt"))
        .hasMessage("notes.txt: not a log vramcalc can read; reconcile reads vLLM startup logs, llama.cpp or ollama load logs, nvidia-smi output and torch.cuda.memory_summary()");
  }

  @Test
  void nvidiaSmiSnapshotsAddTheDeviceLevel() {
    EngineLog smi = LogReader.read(Fixtures.resource("/logs/nvidia-smi-h100.txt"), "smi.txt");

    Reconciler.Result r = Reconciler.reconcile(List.<String[]>of(new String[] {Fixtures.resource("/logs/pr10511-llama3-8b-h100-tp1.log"), "vllm.log"},
        new String[] {Fixtures.resource("/logs/nvidia-smi-h100.txt"), "smi.txt"}), new Reconciler.Overrides(null, "h100-sxm-80gb", null, null, null, null, "0.6.5"));

    assertThat(smi.reported().get(0).value()).isEqualTo(73123.0 * (1 << 20));
    assertThat(row(r, "device_bytes.GPU0").estimated()).isEqualTo((double) r.estimate().device().value());
  }
}
