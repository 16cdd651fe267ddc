package org.inceptionspark.driver.data;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Checks a Hadoop path's file system is reachable before any Spark work, failing in seconds with a
 * message naming the path, where the default HDFS client would retry for minutes.
 */
public final class HadoopPreflight {
    private HadoopPreflight() {
    }

    /** A fresh (uncached) file system for {@code path} whose client gives up quickly; caller closes it. */
    public static FileSystem reachable(String path, Configuration base) {
        Configuration conf = new Configuration(base);
        conf.setInt("ipc.client.connect.max.retries", 1);
        conf.setInt("ipc.client.connect.max.retries.on.timeouts", 1);
        conf.setInt("ipc.client.connect.retry.interval", 200);
        conf.setInt("ipc.client.connect.timeout", 5000);
        conf.setBoolean("dfs.client.retry.policy.enabled", false);
        Path p = new Path(path);
        URI uri = p.toUri();
        FileSystem fs = null;
        try {
            fs = FileSystem.newInstance(uri.getScheme() == null ? FileSystem.getDefaultUri(conf) : uri, conf);
            fs.exists(p);
            return fs;
        } catch (IOException | IllegalArgumentException e) {
            closeQuietly(fs);
            Throwable root = rootCause(e);
            if (root instanceof ConnectException || root instanceof UnknownHostException
                    || root instanceof java.net.SocketTimeoutException) {
                throw new IllegalArgumentException("cannot reach the file system of " + path + " ("
                        + root.getClass().getSimpleName() + ": " + root.getMessage()
                        + "): is the namenode running and the host:port right?", e);
            }
            throw new IllegalArgumentException("cannot access " + path + ": " + e.getMessage(), e);
        }
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static void closeQuietly(FileSystem fs) {
        if (fs != null) {
            try {
                fs.close();
            } catch (IOException ignored) {
                // already failing with a clearer error
            }
        }
    }
}
