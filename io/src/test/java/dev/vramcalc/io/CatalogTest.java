package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.hardware.GpuCatalog;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import dev.vramcalc.io.catalog.ModelCatalog;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The bundled catalogs load, validate and hold what the product promises. */
class CatalogTest {

  @Test
  void everyModelPresetLoadsAndHasAUniqueId() {
    ModelCatalog catalog = ModelCatalog.bundled();

    for (ModelCatalog.Entry e : catalog.entries()) {
      assertThat(catalog.load(e).parameters()).as(e.id()).isPositive();
    }

    assertThat(catalog.entries()).hasSizeGreaterThanOrEqualTo(40);
    assertThat(catalog.entries().stream().map(ModelCatalog.Entry::id).collect(Collectors.toSet())).hasSize(catalog.entries().size());
  }

  @Test
  void thePresetsTheFoundationIssueNamesAreAllThere() {
    List<String> required = List.of(
        "meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-13b-hf", "meta-llama/Llama-2-70b-hf", "meta-llama/Meta-Llama-3-8B",
        "meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-70B", "meta-llama/Llama-3.1-405B", "meta-llama/Llama-3.2-1B",
        "meta-llama/Llama-3.2-3B", "meta-llama/Llama-3.3-70B-Instruct", "mistralai/Mistral-7B-v0.1", "mistralai/Mistral-7B-Instruct-v0.3",
        "mistralai/Mixtral-8x7B-v0.1", "mistralai/Mixtral-8x22B-v0.1", "mistralai/Mistral-Small-3.2-24B-Instruct-2506",
        "Qwen/Qwen2-7B-Instruct", "Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-1.5B", "Qwen/Qwen2.5-3B", "Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-14B",
        "Qwen/Qwen2.5-32B", "Qwen/Qwen2.5-72B", "Qwen/Qwen3-0.6B", "Qwen/Qwen3-1.7B", "Qwen/Qwen3-4B", "Qwen/Qwen3-8B", "Qwen/Qwen3-14B",
        "Qwen/Qwen3-32B", "Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-235B-A22B", "google/gemma-7b", "google/gemma-2-9b", "google/gemma-2-27b",
        "google/gemma-3-27b-it", "microsoft/Phi-3-mini-4k-instruct", "microsoft/Phi-3.5-mini-instruct", "deepseek-ai/DeepSeek-V2-Lite",
        "deepseek-ai/DeepSeek-V3", "openai/gpt-oss-20b", "openai/gpt-oss-120b", "openai-community/gpt2", "bigcode/octocoder",
        "bigscience/bloom", "CohereForAI/c4ai-command-r-v01", "google-bert/bert-base-uncased", "FacebookAI/roberta-base",
        "google/vit-base-patch16-224-in21k", "openai/clip-vit-base-patch32", "openai/clip-vit-base-patch16", "openai/clip-vit-large-patch14");
    ModelCatalog catalog = ModelCatalog.bundled();

    for (String id : required) {
      assertThat(catalog.find(id)).as(id).isNotNull();
    }
  }

  @Test
  void presetsAreFoundByCatalogIdHuggingFaceIdAndAliasInAnyCase() {
    ModelCatalog catalog = ModelCatalog.bundled();

    assertThat(catalog.find("llama-3.1-8b").hfId()).isEqualTo("meta-llama/Llama-3.1-8B");
    assertThat(catalog.find("META-LLAMA/llama-3.1-8b").id()).isEqualTo("llama-3.1-8b");
    assertThat(catalog.find("meta-llama/Meta-Llama-3.1-8B").id()).isEqualTo("llama-3.1-8b");
  }

  @Test
  void theGpuCatalogHasTheRequiredDevices() {
    GpuCatalog gpus = GpuCatalogReader.bundled();
    Set<String> ids = gpus.all().stream().map(Gpu::id).collect(Collectors.toSet());

    assertThat(gpus.all()).hasSizeGreaterThanOrEqualTo(40);
    assertThat(ids).contains("rtx-3060-12gb", "rtx-3090", "rtx-4090", "rtx-5090", "rtx-a6000", "rtx-6000-ada", "a40", "l40s", "t4", "l4", "a10",
        "a100-sxm-40gb", "a100-sxm-80gb", "a100-pcie-40gb", "a100-pcie-80gb", "h100-sxm-80gb", "h100-pcie-80gb", "h100-nvl-94gb", "h20",
        "h200-sxm-141gb", "b200", "mi250x", "mi300x", "mi325x");
    assertThat(gpus.all()).anyMatch(g -> g.segment().equals("apple") && g.unifiedFraction() != null);
    assertThat(gpus.all()).allMatch(g -> g.usable().compareTo(g.memory()) <= 0 && g.source() != null);
  }

  @Test
  void usableMemoryIsTheDriverReportedTotal() {
    // thamada/gls deviceQuery: H100 SXM "81106 MBytes (85045477376 bytes)"; RTX 4090 25386352640 bytes.
    GpuCatalog gpus = GpuCatalogReader.bundled();

    assertThat(gpus.get("h100-sxm-80gb").usable().value()).isEqualTo(85_045_477_376L);
    assertThat(gpus.get("RTX 4090").usable().value()).isEqualTo(25_386_352_640L);
  }

  @Test
  void aMalformedGpuRowNamesFileAndLine() {
    String csv = "id,name,vendor,segment,memory_bytes,memory_label,usable_bytes,usable_source,bandwidth_gb_s,bf16_tflops,fp8_tflops,int8_tops,"
        + "fp32_tflops,interconnect,interconnect_gb_s,tdp_w,price_usd,price_usd_per_hour,unified_gpu_fraction,source\n"
        + "x1,X,nvidia,consumer,lots,,,,100,,,,,,,,,,,http://x\n";

    assertThatThrownBy(() -> GpuCatalogReader.parse(csv, "gpus.csv"))
        .isInstanceOf(BadInputException.class)
        .hasMessage("gpus.csv:2: memory_bytes 'lots' is not a whole number");
  }

  @Test
  void anUnknownGpuSuggestsCloseIds() {
    assertThatThrownBy(() -> GpuCatalogReader.bundled().get("h100"))
        .hasMessageStartingWith("--gpu 'h100' is not in the GPU catalog; did you mean h100-pcie-80gb");
  }
}
