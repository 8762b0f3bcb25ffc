package dev.vramcalc.server;

import dev.vramcalc.core.BadInputException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Starts the web calculator and the REST API. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Start the web calculator and the REST API on localhost (--port, default 8080).")
public final class ServeCommand implements Callable<Integer> {

  @Option(names = "--port", paramLabel = "N", description = "Port (default 8080; 0 picks a free one).")
  int port = 8080;

  @Option(names = "--host", paramLabel = "HOST", description = "Address to listen on (default 127.0.0.1).")
  String host = "127.0.0.1";

  @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default 4 per core).")
  int threads = 4 * Runtime.getRuntime().availableProcessors();

  @Option(names = "--allow-local-files", description = "Let API requests name model files on this machine (off: catalog and Hugging Face ids only).")
  boolean allowLocalFiles;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) {
      throw new BadInputException("port", "--port (" + port + ") must be between 0 and 65535");
    }
    if (threads < 1 || threads > 1024) {
      throw new BadInputException("threads", "--threads (" + threads + ") must be between 1 and 1024");
    }
    ApiServer server;
    try {
      server = ApiServer.start(host, port, threads, allowLocalFiles);
    } catch (java.net.BindException e) {
      throw new BadInputException("port", "cannot listen on " + host + ":" + port + " (" + e.getMessage() + "); pick another --port");
    }
    spec.commandLine().getOut().println("vramcalc serving on " + server.address() + "  (API: " + server.address() + "api/v1/openapi.json; Ctrl-C stops)");
    spec.commandLine().getOut().flush();
    new CountDownLatch(1).await();
    return 0;
  }
}
