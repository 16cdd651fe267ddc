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
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;

/**
 * A real Spark standalone cluster on loopback: one master and {@code workers} workers, each its
 * own JVM started from this JVM's classpath, executors launched by the workers as usual. The
 * tests and `bench sync` start and stop one; logs go to a temp folder named on failure.
 *
 * <p>The cluster is closed as deploy/spark-defaults.conf closes one ({@link #SECURITY}): master,
 * workers and applications share a secret made afresh for each cluster (standalone mode takes one
 * secret for all), every connection is authenticated and encrypted, and shuffle files are encrypted.
 */
public final class StandaloneCluster implements AutoCloseable {
    /** The security settings of deploy/spark-defaults.conf (reasons there), for daemons and applications alike. */
    public static final Map<String, String> SECURITY = Map.of(
            "spark.authenticate", "true",
            "spark.network.crypto.enabled", "true",
            "spark.io.encryption.enabled", "true",
            "spark.acls.enable", "true",
            "spark.ui.killEnabled", "false");
    private static final String SECRET = "spark.authenticate.secret";

    private final Path home;
    private final String secret = secret();
    /** False only for {@link #startOpen}: no secret, no authentication, no encryption. */
    private final boolean secured;
    /** The daemons' and applications' security settings with the secret ({@link #writeDaemonConf}). */
    private Path securityFile;
    private final List<Process> processes = new ArrayList<>();
    private final int masterPort;
    private final int masterUiPort;
    private boolean separateHosts;

    private StandaloneCluster(Path home, int masterPort, int masterUiPort, boolean secured) {
        this.home = home;
        this.secured = secured;
        this.masterPort = masterPort;
        this.masterUiPort = masterUiPort;
    }

    public static StandaloneCluster start(int workers, int coresPerWorker, String memoryPerWorker) throws Exception {
        return start(workers, coresPerWorker, memoryPerWorker, List.of(), Map.of(), true, false);
    }

    /**
     * A cluster whose workers (and their executors) each have a loopback address of their own,
     * 127.0.0.2, 127.0.0.3, ..., as workers on separate hosts would: Spark never runs a speculative
     * copy of a task on a host where the task already runs, so speculation needs more than one.
     */
    public static StandaloneCluster startOnSeparateHosts(int workers, int coresPerWorker, String memoryPerWorker)
            throws Exception {
        return start(workers, coresPerWorker, memoryPerWorker, List.of(), Map.of(), true, true);
    }

    /** The address worker {@code i} and its executors use: its own with {@link #startOnSeparateHosts}. */
    public String workerHost(int i) {
        return separateHosts ? "127.0.0." + (i + 2) : "127.0.0.1";
    }

    /**
     * A cluster left open, as Spark's defaults leave one: no secret, no authentication, no
     * encryption. Only for measuring what closing the cluster costs ({@code bench sync --open-cluster});
     * every test and command that trains uses {@link #start}.
     */
    public static StandaloneCluster startOpen(int workers, int coresPerWorker, String memoryPerWorker) throws Exception {
        return start(workers, coresPerWorker, memoryPerWorker, List.of(), Map.of(), false, false);
    }

    /**
     * A cluster whose workers each advertise the GPU addresses {@code gpuAddresses} (as two hosts
     * with the same cards would) through {@code discoveryScript} (docker/gpu-discovery.sh), which
     * the workers run as on any host; on a machine without GPUs the addresses are given to it.
     */
    public static StandaloneCluster startWithGpus(int workers, int coresPerWorker, String memoryPerWorker,
                                                  List<String> gpuAddresses, Path discoveryScript) throws Exception {
        return start(workers, coresPerWorker, memoryPerWorker,
                List.of("-Dspark.worker.resource.gpu.amount=" + gpuAddresses.size(),
                        "-Dspark.worker.resource.gpu.discoveryScript=" + discoveryScript.toAbsolutePath()),
                Map.of("INCEPTION_GPU_ADDRESSES", String.join(",", gpuAddresses)), true, false);
    }

    private static StandaloneCluster start(int workers, int coresPerWorker, String memoryPerWorker,
                                           List<String> workerJvmOptions, Map<String, String> workerEnv,
                                           boolean secured, boolean separateHosts) throws Exception {
        Path home = Files.createTempDirectory("spark-standalone-");
        // The worker's executor launcher insists on a Spark distribution layout: RELEASE + jars/.
        Files.writeString(home.resolve("RELEASE"), "Spark (test distribution for inception-spark)\n");
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("logs"));
        StandaloneCluster c = new StandaloneCluster(home, freePort(), freePort(), secured);
        c.separateHosts = separateHosts;
        try {
            c.securityFile = c.writeDaemonConf();
            String daemonConf = c.securityFile.toString();
            c.launch("master", List.of(), Map.of(), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", String.valueOf(c.masterPort), "--webui-port", String.valueOf(c.masterUiPort),
                    "--properties-file", daemonConf);
            c.waitFor(Duration.ofSeconds(180), () -> c.masterJson().contains("\"status\" : \"ALIVE\""), "master to start");
            for (int i = 0; i < workers; i++) {
                Path work = Files.createDirectories(home.resolve("work-" + i));
                Map<String, String> env = new java.util.HashMap<>(workerEnv);
                if (separateHosts) {
                    env.put("SPARK_LOCAL_IP", c.workerHost(i));
                    env.put("SPARK_LOCAL_HOSTNAME", c.workerHost(i));
                }
                c.launch("worker-" + i, workerJvmOptions, env, "org.apache.spark.deploy.worker.Worker",
                        c.masterUrl(), "--host", c.workerHost(i), "--cores", String.valueOf(coresPerWorker), "--memory",
                        memoryPerWorker, "--webui-port", "0", "--work-dir", work.toString(), "--properties-file",
                        daemonConf);
            }
            // a worker's authenticated registration takes seconds of handshake, tens of seconds on a loaded machine
            c.waitFor(Duration.ofSeconds(300), () -> c.aliveWorkers() >= workers, workers + " workers to register");
            return c;
        } catch (Exception e) {
            c.close();
            throw new IllegalStateException("standalone cluster did not start; logs in " + home.resolve("logs"), e);
        }
    }

    /**
     * The file holding the cluster's security settings and secret (readable by this user only), for
     * a driver started in another JVM ({@link #conf(String, Path, String, int, String)}).
     */
    public Path securityFile() {
        return securityFile;
    }

    /** The daemons' properties: the security settings and the secret, readable by this user only (not on a command line). */
    private Path writeDaemonConf() throws IOException {
        Path file = home.resolve("spark-daemons.conf");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        StringBuilder text = new StringBuilder();
        if (secured) {
            SECURITY.forEach((k, v) -> text.append(k).append(' ').append(v).append('\n'));
            text.append(SECRET).append(' ').append(secret).append('\n');
        }
        Files.writeString(file, text);
        return file;
    }

    private static String secret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /**
     * A SparkConf for an application on this cluster whose executors see this JVM's classpath, with
     * the cluster's secret and security settings.
     */
    public SparkConf conf(String appName, int executors, String executorMemory) {
        return conf(masterUrl(), securityFile, appName, executors, executorMemory);
    }

    /**
     * The same for a driver in another JVM started from this classpath (the fault tests' driver
     * processes): {@code securityFile} is the cluster's {@link #securityFile()}.
     */
    public static SparkConf conf(String masterUrl, Path securityFile, String appName, int executors,
                                 String executorMemory) {
        SparkConf conf = new SparkConf();
        try {
            for (String line : Files.readAllLines(securityFile)) {
                int space = line.indexOf(' ');
                if (space > 0) {
                    conf.set(line.substring(0, space), line.substring(space + 1));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the cluster's security settings " + securityFile, e);
        }
        return conf.setMaster(masterUrl)
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

    /**
     * The command that runs {@code mainClass} in a new JVM on this JVM's classpath, with its Java 17
     * module openings: the cluster's processes, and the fault tests' driver processes.
     */
    public static List<String> javaCommand(String heap, List<String> jvmOptions, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("-Dio.netty")) {
                cmd.add(a);
            }
        }
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return cmd;
    }

    private void launch(String name, List<String> jvmOptions, Map<String, String> extraEnv, String mainClass,
                        String... args) throws IOException {
        List<String> cmd = javaCommand("512m", jvmOptions, mainClass, args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.putAll(extraEnv);
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

    /** The executor JVMs the workers run now (each worker starts its executors as child processes). */
    public List<ProcessHandle> executors() {
        List<ProcessHandle> out = new ArrayList<>();
        for (int i = 0; i + 1 < processes.size(); i++) {
            out.addAll(executorsOf(i));
        }
        return out;
    }

    /** The executor JVMs worker {@code i} runs now. */
    public List<ProcessHandle> executorsOf(int worker) {
        // a worker's only child JVMs are its executors (their command lines are too long to be read
        // back whole, so the main class cannot be matched)
        return processes.get(worker + 1).descendants().filter(ProcessHandle::isAlive)
                .filter(h -> h.info().command().map(c -> c.endsWith("java")).orElse(true))
                .toList();
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
