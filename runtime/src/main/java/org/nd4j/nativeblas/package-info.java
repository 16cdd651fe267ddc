/**
 * A one-class shim in ND4J's package that answers DL4J 1.0.0-M2.1's stale lookup of
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment}; checked at start-up by the runtime's
 * DL4J boundary check. Nothing else belongs here.
 */
package org.nd4j.nativeblas;
