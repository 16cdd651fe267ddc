package org.inceptionspark.bench;

import org.inceptionspark.driver.commands.Command;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.inceptionspark.bench.InputBench;
import org.inceptionspark.bench.SyncBench;

/**
 * {@code bench <target> [options]}: dispatches to one benchmark. Each target ends its output with
 * one {@code RESULT key=value} line.
 */
public final class BenchCommand implements Command {

    static Map<String, Command> targets() {
        Map<String, Command> t = new LinkedHashMap<>();
        t.put("input", new InputBench());
        t.put("sync", new SyncBench());
        t.put("replica", new org.inceptionspark.bench.ReplicaBench());
        t.put("batchnorm", new org.inceptionspark.bench.BatchNormBench());
        return t;
    }

    @Override
    public int run(String[] args) throws Exception {
        Map<String, Command> targets = targets();
        if (args.length == 0 || !targets.containsKey(args[0])) {
            throw new IllegalArgumentException("usage: inception-spark bench <target> [options]; targets: "
                    + String.join(", ", targets.keySet()));
        }
        return targets.get(args[0]).run(Arrays.copyOfRange(args, 1, args.length));
    }
}
