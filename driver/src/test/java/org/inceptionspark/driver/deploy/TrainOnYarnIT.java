package org.inceptionspark.driver.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.spark.launcher.JavaModuleOptions;
import org.apache.spark.launcher.SparkAppHandle;
import org.apache.spark.launcher.SparkLauncher;
import org.inceptionspark.driver.Main;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.driver.commands.PackCommand;
import org.inceptionspark.driver.data.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded product jar submitted to a real YARN (Hadoop's MiniYARNCluster: a ResourceManager and
 * a NodeManager that starts containers as processes) by {@link SparkLauncher} in cluster mode, the
 * way {@code deploy/yarn/submit-train.sh} submits it: the driver runs in the ApplicationMaster's
 * container, one executor in another, and they train two steps of a thin Inception-v3 on real
 * packed images. The containers see a Spark installation (the jars a cluster provides: Spark, Scala,
 * Hadoop's client and their dependencies, installed on the node as {@code spark.yarn.jars=local:})
 * and the application jar; our modules, DL4J, ND4J, DataVec, JavaCPP and Typesafe Config are not in
 * that installation, so the run finds them only in the shaded jar.
 *
 * <p>Runs after {@code package} (Failsafe, in {@code mvn verify}): the shaded jar is what it submits.
 */
class TrainOnYarnIT {
    private static final String JAR = "inception-spark-0.1.0-SNAPSHOT-spark.jar";
    /** Classpath entries (paths in the Maven repository) a Spark installation does not hold. */
    private static final List<String> NOT_IN_SPARK = List.of("/org/inceptionspark/", "/org/deeplearning4j/",
            "/org/nd4j/", "/org/datavec/", "/org/bytedeco/", "/com/typesafe/config/", "/org/junit/",
            "/org/opentest4j/", "/org/apiguardian/", "/org/mockito/", "/net/bytebuddy/",
            "/org/yaml/", "/org/apache/hadoop/hadoop-client-minicluster/", "/org/apache/maven/");

    private static MiniYARNCluster yarn;
    private static Path work;

    @BeforeAll
    static void startYarn() throws Exception {
        work = Files.createTempDirectory("on-yarn");
        YarnConfiguration conf = new YarnConfiguration();
        // one NodeManager with room for the ApplicationMaster (the driver) and one executor
        conf.setInt(YarnConfiguration.NM_PMEM_MB, 6144);
        conf.setInt(YarnConfiguration.NM_VCORES, 4);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, 6144);
        // a JVM reserves far more virtual memory than it uses; physical memory stays checked
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        // hadoop-client-minicluster carries no capacity-scheduler.xml: one queue, as Spark's own YARN tests set it
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        conf.set(YarnConfiguration.RM_HOSTNAME, "localhost");
        yarn = new MiniYARNCluster(TrainOnYarnIT.class.getSimpleName(), 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        // start() may return before the ResourceManager has written its bound port into the configuration
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            assertTrue(System.nanoTime() < deadline, "the ResourceManager did not publish its address");
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stopYarn() {
        if (yarn != null) {
            yarn.stop();
        }
    }

    @Test
    void theShadedJarTrainsTwoStepsInClusterMode(@TempDir Path tmp) throws Exception {
        Path jar = TestData.repoRoot().resolve("driver/target").resolve(JAR);
        Path defaults = TestData.repoRoot().resolve("driver/target/deploy/spark-defaults.conf");
        assertTrue(Files.isRegularFile(jar) && Files.isRegularFile(defaults),
                jar + " or " + defaults + " is missing: this test runs in mvn verify, after package");

        String packed = tmp.resolve("packed").toUri().toString();
        ByteArrayOutputStream packOut = new ByteArrayOutputStream();
        assertEquals(0, new PackCommand(new PrintStream(packOut, true, StandardCharsets.UTF_8)).run(new String[] {
                "--images", TestData.fashionSubset().toString(), "--out", packed, "--shards", "2",
                "--val-fraction", "0.2"}), packOut.toString(StandardCharsets.UTF_8));

        Path hadoopConf = hadoopConfDir(tmp.resolve("hadoop-conf"));
        Path sparkHome = sparkInstallation(tmp.resolve("spark-home"));
        Path runDir = tmp.resolve("runs").resolve("on-yarn");
        Path config = TestData.repoRoot().resolve("conf/local-demo.conf");
        Path log = tmp.resolve("spark-submit.log");
        // as deploy/yarn/submit-train.sh: the template's driver options, the log configuration shipped beside them
        String driverOptions = Files.readAllLines(defaults).stream()
                .filter(l -> l.startsWith("spark.driver.extraJavaOptions")).findFirst().orElseThrow()
                .replaceFirst("^spark\\.driver\\.extraJavaOptions\\s+", "")
                .replace("-Dlog4j2.configurationFile=conf/log4j2.properties", "-Dlog4j2.configurationFile=log4j2.properties");

        SparkLauncher launcher = new SparkLauncher(Map.of("HADOOP_CONF_DIR", hadoopConf.toString(),
                "YARN_CONF_DIR", hadoopConf.toString()))
                .setSparkHome(sparkHome.toString())
                .setMaster("yarn")
                .setDeployMode("cluster")
                .setAppName("inception-spark on MiniYARNCluster")
                .setPropertiesFile(defaults.toString())
                .setMainClass(Main.class.getName())
                .setAppResource(jar.toString())
                // the configuration file travels with the application: the driver's working directory is its container
                .addFile(config.toString())
                .addFile(TestData.repoRoot().resolve("conf/log4j2.properties").toString())
                .setConf("spark.driver.extraJavaOptions", driverOptions)
                .setConf("spark.yarn.jars", "local:" + sparkHome.resolve("jars") + "/*")
                .setConf("spark.yarn.stagingDir", tmp.resolve("staging").toUri().toString())
                .setConf("spark.yarn.maxAppAttempts", "1")
                .setConf("spark.yarn.appMasterEnv.JAVA_HOME", System.getProperty("java.home"))
                .setConf("spark.executorEnv.JAVA_HOME", System.getProperty("java.home"))
                .setConf("spark.driver.memory", "1g")
                .setConf("spark.driver.memoryOverhead", "1g")
                .setConf("spark.executor.instances", "1")
                .setConf("spark.executor.memory", "1g")
                .setConf("spark.executor.memoryOverhead", "1g")
                .setConf("spark.executor.cores", "1")
                .setConf("spark.task.cpus", "1")
                .setConf("spark.executorEnv.OMP_NUM_THREADS", "1")
                .setConf("spark.yarn.appMasterEnv.OMP_NUM_THREADS", "1")
                .redirectOutput(log.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .addAppArgs("train", "--config", config.getFileName().toString(),
                        "-Ddata.train=" + packed + "/train", "-Ddata.validation=" + packed + "/val",
                        "-Drun.dir=" + runDir.getParent().toUri(), "-Drun.name=on-yarn",
                        "-Dmodel.width-multiplier=0.1", "-Dmodel.min-depth=8", "-Dcluster.batch-per-replica=4",
                        "-Dschedule.max-steps=2", "-Dschedule.log-every-steps=1", "-Dcheckpoint.every-steps=2",
                        "-Deval.max-images=16", "-Deval.batch-norm-images=32");

        SparkAppHandle handle = launcher.startApplication();
        long t0 = System.nanoTime();
        try {
            long deadline = t0 + TimeUnit.MINUTES.toNanos(8);
            while (!handle.getState().isFinal() && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
        } finally {
            if (!handle.getState().isFinal()) {
                handle.kill();
            }
        }
        System.out.printf("YARN application %s: %s in %.0f s%n", handle.getAppId(), handle.getState(),
                (System.nanoTime() - t0) / 1e9);
        String diagnostics = diagnostics(log);
        assertEquals(SparkAppHandle.State.FINISHED, handle.getState(), diagnostics);
        assertNotNull(handle.getAppId(), diagnostics);
        FinalApplicationStatus status = yarn.getResourceManager().getRMContext().getRMApps()
                .get(ApplicationId.fromString(handle.getAppId())).getFinalApplicationStatus();
        assertEquals(FinalApplicationStatus.SUCCEEDED, status, diagnostics);

        assertEquals(2, CheckpointStore.read(runDir.toUri().toString(), new Configuration()).step(), diagnostics);
        List<String> metrics = Files.readAllLines(runDir.resolve("metrics.csv"));
        assertEquals(3, metrics.size(), "a header and a row per step:\n" + metrics);
        String driverOut = containerLogs("stdout");
        assertTrue(driverOut.contains("finished on-yarn: 2 steps"), "the driver's own report:\n" + driverOut);
        assertTrue(!containerLogs("stderr").contains("No configuration found"), "the driver found its log configuration:\n"
                + diagnostics);
    }

    /** yarn-site.xml with the running cluster's addresses: what HADOOP_CONF_DIR/YARN_CONF_DIR hold on a gateway host. */
    private static Path hadoopConfDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (OutputStream out = Files.newOutputStream(dir.resolve("yarn-site.xml"))) {
            yarn.getConfig().writeXml(out);
        }
        return dir;
    }

    /**
     * A Spark installation: {@code jars/} (this test's classpath less what only the product brings)
     * and a {@code bin/spark-submit} that runs {@code SparkSubmit} on them and on the Hadoop configuration
     * directories, as Spark's own scripts do.
     */
    private static Path sparkInstallation(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        Path ours = TestData.repoRoot().toAbsolutePath().normalize();
        int linked = 0;
        for (String entry : classpathEntries()) {
            Path p = Path.of(entry).toAbsolutePath().normalize();
            String unix = p.toString().replace(File.separatorChar, '/');
            // this build's own modules (their jars or classes in the reactor) are the application's
            if (!entry.endsWith(".jar") || !Files.isRegularFile(p) || p.startsWith(ours)
                    || NOT_IN_SPARK.stream().anyMatch(unix::contains)) {
                continue;
            }
            Path link = jars.resolve(p.getFileName());
            if (!Files.exists(link)) {
                Files.createSymbolicLink(link, p);
                linked++;
            }
        }
        assertTrue(linked > 50, "Spark's jars were not found on the test classpath: " + classpathEntries());
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path submit = bin.resolve("spark-submit");
        Files.writeString(submit, "#!/usr/bin/env bash\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -Xmx512m " + JavaModuleOptions.defaultModuleOptions()
                + " -cp \"${HADOOP_CONF_DIR:+$HADOOP_CONF_DIR:}${YARN_CONF_DIR:+$YARN_CONF_DIR:}$SPARK_HOME/jars/*\""
                + " org.apache.spark.deploy.SparkSubmit \"$@\"\n");
        Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    private static List<String> classpathEntries() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return List.of(cp.split(File.pathSeparator));
    }

    /** The containers' files of one kind (stdout, stderr), from the NodeManager's log directories. */
    private static String containerLogs(String name) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String dir : yarn.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
            Path root = Path.of(dir);
            if (!Files.isDirectory(root)) {
                continue;
            }
            List<Path> files;
            try (Stream<Path> s = Files.walk(root)) {
                files = s.filter(f -> f.getFileName().toString().equals(name)).sorted().toList();
            }
            for (Path f : files) {
                b.append("== ").append(root.relativize(f)).append('\n').append(Files.readString(f));
            }
        }
        return b.toString();
    }

    private static String diagnostics(Path submitLog) throws IOException {
        List<String> parts = new ArrayList<>();
        parts.add("spark-submit:\n" + tail(Files.exists(submitLog) ? Files.readString(submitLog) : "", 60));
        parts.add("containers' stdout:\n" + tail(containerLogs("stdout"), 60));
        parts.add("containers' stderr:\n" + tail(containerLogs("stderr"), 120));
        return String.join("\n", parts);
    }

    private static String tail(String text, int lines) {
        String[] l = text.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(l, Math.max(0, l.length - lines), l.length));
    }
}
