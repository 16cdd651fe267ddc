package org.inceptionspark.worker.eval;

import java.io.Serializable;

/** Per-class tallies of an evaluation; partial counts from tasks are summed with {@link #plus}. */
public record EvalCounts(long[] total, long[] top1, long[] top5, long skipped) implements Serializable {
    public static EvalCounts empty(int classes) {
        return new EvalCounts(new long[classes], new long[classes], new long[classes], 0);
    }

    public EvalCounts plus(EvalCounts o) {
        long[] t = total.clone();
        long[] a = top1.clone();
        long[] b = top5.clone();
        for (int i = 0; i < t.length; i++) {
            t[i] += o.total[i];
            a[i] += o.top1[i];
            b[i] += o.top5[i];
        }
        return new EvalCounts(t, a, b, skipped + o.skipped);
    }
}
