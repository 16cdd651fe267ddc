package org.inceptionspark.runtime;

/**
 * A oneDNN primitive was about to touch more bytes than a buffer owns: thrown before the
 * primitive runs, so nothing was written. Names what ran, the argument and both sizes.
 */
public final class OneDnnBufferException extends IllegalStateException {
    OneDnnBufferException(String what, String argument, long needed, long owned) {
        super("oneDNN " + what + ": argument " + argument + " needs " + needed + " bytes but its buffer owns "
                + owned);
    }

    OneDnnBufferException(String message) {
        super(message);
    }
}
