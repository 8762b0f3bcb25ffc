package dev.vramcalc.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The launcher's archive training run: every command in it must run, or the archive would miss its classes. */
class ArchiveTrainingTest {

  @Test
  void everyTrainingRunSucceedsOfflineExceptTheDeliberateError() {
    for (String[] run : ArchiveTraining.RUNS) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Main.execute(Main.commandLineFor(run), run, new PrintWriter(out), new PrintWriter(err));
      if (ArchiveTraining.isDeliberateError(run)) {
        assertThat(code).as(String.join(" ", run)).isEqualTo(2);
        assertThat(err.toString()).contains("unknown model 'no-such-model'");
      } else {
        assertThat(code).as(String.join(" ", run) + ": " + err).isZero();
        assertThat(out.toString()).as(String.join(" ", run)).isNotBlank();
      }
    }
  }
}
