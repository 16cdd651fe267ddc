package org.inceptionspark.driver;

import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointModels;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.worker.SparkHadoopConf;

/**
 * {@code export --checkpoint PATH --out model.zip}: the checkpoint's network with its moving-average
 * weights as a DL4J model zip that {@code ComputationGraph.load} opens. PATH may be a checkpoint
 * folder or a run directory (its newest checkpoint); both may be on any Hadoop filesystem.
 */
public final class ExportCommand implements Main.Command {
    @Override
    public int run(String[] argv) throws Exception {
        CliArgs args;
        try {
            args = CliArgs.parse(argv, Set.of("checkpoint", "out"), Set.of());
            args.require("checkpoint");
            args.require("out");
        } catch (IllegalArgumentException e) {
            System.err.println("export: " + e.getMessage());
            return 2;
        }
        Configuration hadoop = SparkHadoopConf.current();
        Checkpoint c = CheckpointStore.read(args.require("checkpoint"), hadoop);
        ComputationGraph g = CheckpointModels.evaluationGraph(c);
        Path out = new Path(args.require("out"));
        FileSystem fs = out.getFileSystem(hadoop);
        Path tmp = new Path(out.getParent() == null ? new Path(".") : out.getParent(), "_" + out.getName() + ".tmp");
        try (var stream = fs.create(tmp, true)) {
            ModelSerializer.writeModel(g, stream, false);
        }
        fs.delete(out, false);
        if (!fs.rename(tmp, out)) {
            throw new java.io.IOException("could not rename " + tmp + " to " + out);
        }
        System.out.printf("exported step %d (%s weights, %,d parameters) to %s%n", c.step(),
                c.average() != null ? "moving-average" : "raw", g.numParams(), out);
        return 0;
    }
}
