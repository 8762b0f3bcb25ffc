package dev.vramcalc.server;

import dev.vramcalc.cli.Main;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.List;

/**
 * The training run of the class-data-sharing archive: runs the common commands once, from the bundled catalogs, with
 * their output discarded, so that {@code -XX:DumpLoadedClassList} lists the classes a one-shot run loads. The launcher
 * ({@code ./vramcalc}) runs it once, then dumps the archive with {@code -Xshare:dump} and maps it on every later run.
 */
public final class ArchiveTraining {

  private ArchiveTraining() {}

  /** The runs: every one-shot command, with and without {@code --json}, on bundled models only (no network). */
  static final List<String[]> RUNS = List.of(
      new String[] {"infer", "meta-llama/Llama-3.1-8B", "--gpu", "rtx-4090", "--json"},
      new String[] {"infer", "meta-llama/Llama-3.1-8B", "--gpu", "rtx-4090"},
      new String[] {"infer", "qwen2.5-7b", "--gpu", "h100-sxm-80gb", "--engine", "vllm", "--json"},
      new String[] {"infer", "qwen2.5-7b", "--gpu", "h100-sxm-80gb", "--engine", "llama.cpp", "--weights", "q4_k_m"},
      new String[] {"train", "meta-llama/Llama-3.1-8B", "--gpu", "h100-sxm-80gb", "--method", "lora", "--json"},
      new String[] {"train", "meta-llama/Llama-3.1-8B", "--gpu", "h100-sxm-80gb"},
      new String[] {"params", "deepseek-v3", "--json"},
      new String[] {"params", "deepseek-v3"},
      new String[] {"max-batch", "meta-llama/Llama-3.1-8B", "--gpu", "h100-sxm-80gb", "--json"},
      new String[] {"max-context", "meta-llama/Llama-3.1-8B", "--gpu", "rtx-4090", "--curve"},
      new String[] {"fit", "meta-llama/Llama-3.1-8B", "--json"},
      new String[] {"plan", "meta-llama/Llama-3.1-8B", "--gpu", "h100-sxm-80gb", "--gpus", "8", "--json"},
      new String[] {"plan", "meta-llama/Llama-3.1-8B", "--gpu", "h100-sxm-80gb", "--gpus", "8", "--train"},
      new String[] {"roofline", "meta-llama/Llama-3.1-8B", "--gpu", "h100-sxm-80gb"},
      new String[] {"models"},
      new String[] {"gpus", "--json"},
      new String[] {"infer", "no-such-model", "--gpu", "rtx-4090"});

  /** Whether a run is the one that fails on purpose (an unknown model: the error path's classes). */
  static boolean isDeliberateError(String[] run) {
    return run.length > 1 && run[1].equals("no-such-model");
  }

  public static void main(String[] args) {
    PrintWriter sink = new PrintWriter(OutputStream.nullOutputStream(), true);
    int failed = 0;
    for (String[] run : RUNS) {
      Launcher.prefetch(run);
      int code = Main.execute(Main.commandLineFor(run), run, sink, sink);
      if (code != 0 && !isDeliberateError(run)) {
        System.err.println("vramcalc archive training: " + String.join(" ", run) + " exited " + code);
        failed++;
      }
    }
    System.exit(failed == 0 ? 0 : 1);
  }
}
