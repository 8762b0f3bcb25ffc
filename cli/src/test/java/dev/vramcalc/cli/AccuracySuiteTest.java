package dev.vramcalc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The calibration suite: every published measurement in accuracy-cases.json, run through the same
 * commands users run. Asserted checks must stay within their tolerance (llama.cpp model and KV buffers
 * 1 %, compute buffers 15 %; vLLM KV tokens and available memory 3 %; transformers and training peaks
 * 10 %), and docs/accuracy.md must be the report of exactly these results.
 */
class AccuracySuiteTest {

  private static List<Accuracy.Check> checks;

  @BeforeAll
  static void runSuite() {
    suite();
  }

  /** The suite's results, run once for the whole class (the parameter source and the tests share them). */
  private static synchronized List<Accuracy.Check> suite() {
    if (checks == null) {
      checks = Accuracy.run();
    }
    return checks;
  }

  static Stream<Accuracy.Check> asserted() {
    return suite().stream().filter(Accuracy.Check::asserted);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("asserted")
  void publishedMeasurementIsWithinTolerance(Accuracy.Check c) {
    assertThat(Math.abs(c.error()))
        .as("%s %s: measured %s, estimated %s %s (%s)", c.caseId(), c.name(), c.measured(), c.estimated(), c.unit(), c.source())
        .isLessThanOrEqualTo(c.tolerance() + 1e-12);
  }

  @Test
  void everyEngineHasAssertedCases() {
    assertThat(suite().stream().filter(Accuracy.Check::asserted).map(Accuracy.Check::engine).distinct())
        .contains("vllm", "llama.cpp", "transformers", "training");
  }

  @Test
  void theAccuracyPageIsTheReportOfTheseResults() throws Exception {
    Path page = Path.of("..", "docs", "accuracy.md");

    String committed = Files.readString(page, StandardCharsets.UTF_8);

    assertThat(committed).as("docs/accuracy.md is stale: run ./vramcalc accuracy --output docs/accuracy.md").isEqualTo(Accuracy.markdown(suite()));
  }
}
