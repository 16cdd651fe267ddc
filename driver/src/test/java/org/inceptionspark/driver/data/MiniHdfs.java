package org.inceptionspark.driver.data;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.inceptionspark.worker.data.ReplicaBatchLoader;

/** A real HDFS (namenode + one datanode, in this JVM) for tests, in a fresh temporary folder. */
public final class MiniHdfs implements AutoCloseable {
    private final MiniDFSCluster cluster;

    private MiniHdfs(MiniDFSCluster cluster) {
        this.cluster = cluster;
    }

    public static MiniHdfs start() throws IOException {
        File base = Files.createTempDirectory("minidfs").toFile();
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getAbsolutePath());
        long t0 = System.nanoTime();
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        System.out.printf("MiniDFSCluster up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return new MiniHdfs(cluster);
    }

    public FileSystem fs() throws IOException {
        return cluster.getFileSystem();
    }

    /** hdfs://host:port */
    public String uri() throws IOException {
        return fs().getUri().toString();
    }

    @Override
    public void close() {
        // Executor-side loaders keep shard streams of this filesystem open.
        ReplicaBatchLoader.clearCache();
        cluster.shutdown();
    }
}
