package org.inceptionspark.worker;

import java.nio.channels.WritableByteChannel;

/** A channel that takes what an {@link OutgoingRegion} or a Netty file region writes; it is always open. */
abstract class ByteSink implements WritableByteChannel {
    @Override
    public final boolean isOpen() {
        return true;
    }

    @Override
    public final void close() {
    }
}
