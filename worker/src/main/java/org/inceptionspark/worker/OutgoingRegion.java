package org.inceptionspark.worker;

import org.apache.spark.network.util.AbstractFileRegion;

/**
 * A message body of {@link #count()} bytes that is made as it goes out (encoded or sealed a piece
 * at a time) rather than held: Netty writes it through {@code transferTo} from position 0 on,
 * each call where the last stopped.
 */
abstract class OutgoingRegion extends AbstractFileRegion {
    private final long count;
    /** Bytes written so far; {@code transferTo} moves it on. */
    protected long transferred;

    OutgoingRegion(long count) {
        this.count = count;
    }

    @Override
    public final long position() {
        return 0;
    }

    @Override
    public final long count() {
        return count;
    }

    @Override
    public final long transferred() {
        return transferred;
    }
}
