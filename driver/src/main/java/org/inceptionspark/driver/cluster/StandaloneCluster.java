package org.inceptionspark.driver.cluster;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;

/**
 * A real Spark standalone cluster on loopback: one master and {@code workers} workers, each its
 * own JVM started from this JVM's classpath, executors launched by the workers as usual. The
 * tests and `bench sync` start and stop one; logs go to a temp folder named on failure.
 */
public final class StandaloneCluster implements AutoCloseable {
    private final Path home;
    private final List<Process> processes = new ArrayList<>();
    private final int masterPort;
    private final int masterUiPort;

    private StandaloneCluster(Path home, int masterPort, int masterUiPort) {
        this.home = home;
        this.masterPort = masterPort;
        this.masterUiPort = masterUiPort;
    }

    public static StandaloneCluster start(int workers, int coresPerWorker, String memoryPerWorker) throws Exception {
        Path home = Files.createTempDirectory("spark-standalone-");
        // The worker's executor launcher insists on a Spark distribution layout: RELEASE + jars/.
        Files.writeString(home.resolve("RELEASE"), "Spark (test distribution for inception-spark)\n");
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("logs"));
        StandaloneCluster c = new StandaloneCluster(home, freePort(), freePort());
        try {
            c.launch("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                    String.valueOf(c.masterPort), "--webui-port", String.valueOf(c.masterUiPort));
            // generous: on a loaded machine a JVM's start-up alone can take a minute or two
            c.waitFor(Duration.ofSeconds(180), () -> c.masterJson().contains("\"status\" : \"ALIVE\""), "master to start");
            for (int i = 0; i < workers; i++) {
                Path work = Files.createDirectories(home.resolve("work-" + i));
                c.launch("worker-" + i, "org.apache.spark.deploy.worker.Worker", c.masterUrl(), "--host", "127.0.0.1",
                        "--cores", String.valueOf(coresPerWorker), "--memory", memoryPerWorker, "--webui-port", "0",
                        "--work-dir", work.toString());
            }
            c.waitFor(Duration.ofSeconds(300), () -> c.aliveWorkers() >= workers, workers + " workers to register");
            return c;
        } catch (Exception e) {
            c.close();
            throw new IllegalStateException("standalone cluster did not start; logs in " + home.resolve("logs"), e);
        }
    }

    public String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /** A SparkConf for an application on this cluster whose executors see this JVM's classpath. */
    public SparkConf conf(String appName, int executors, String executorMemory) {
        return new SparkConf()
                .setMaster(masterUrl())
                .setAppName(appName)
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executor.cores", "1")
                .set("spark.cores.max", String.valueOf(executors))
                .set("spark.executor.memory", executorMemory)
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set("spark.executorEnv.OMP_NUM_THREADS", System.getenv().getOrDefault("OMP_NUM_THREADS", "2"))
                .set("spark.ui.enabled", "false");
    }

    private void launch(String name, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("-Dio.netty")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        File log = home.resolve("logs").resolve(name + ".log").toFile();
        pb.redirectErrorStream(true).redirectOutput(log);
        processes.add(pb.start());
    }

    String masterJson() {
        try {
            HttpURLConnection conn = (HttpURLConnection) new URL("http://127.0.0.1:" + masterUiPort + "/json/").openConnection();
            conn.setConnectTimeout(1000);
            conn.setReadTimeout(2000);
            try (InputStream in = conn.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            return "";
        }
    }

    int aliveWorkers() {
        String json = masterJson();
        int i = json.indexOf("\"aliveworkers\"");
        if (i < 0) {
            return 0;
        }
        String rest = json.substring(json.indexOf(':', i) + 1).trim();
        return Integer.parseInt(rest.replaceAll("^(\\d+).*$", "$1").split("\\D")[0]);
    }

    private void waitFor(Duration timeout, java.util.function.BooleanSupplier ready, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a cluster process exited while waiting for " + what + " (exit "
                            + p.exitValue() + "); logs in " + home.resolve("logs"));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what + "; logs in " + home.resolve("logs"));
            }
            Thread.sleep(250);
        }
    }

    public Path logs() {
        return home.resolve("logs");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
