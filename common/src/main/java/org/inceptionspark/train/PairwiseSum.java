package org.inceptionspark.train;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Sums vectors in one fixed order: the balanced binary tree over their positions 0..n-1, each
 * node covering an aligned power-of-two range, {@code T(a, 2s) = T(a, s) + T(a + s, s)}, a node
 * with nothing on its right being just its left. Float addition is not associative, so the order
 * is what makes a step's bits reproducible; this one has the property that summing aligned
 * power-of-two blocks first and then summing the block sums the same way gives the very same
 * bits. So replicas that share a task can be combined before the shuffle (fewer bytes) and the
 * result still does not depend on how replicas were grouped into tasks, nor on the cluster's size.
 * (Pairwise summation also bounds the rounding error by O(log n) instead of O(n).)
 *
 * <p>Vectors arrive in position order ({@link #add}); at most log2(n) + 1 partial sums are held.
 * The first vector of every subtree is summed into in place: the caller hands over ownership.
 */
public final class PairwiseSum {
    private record Node(float[] values, long leaves) {
    }

    private final Deque<Node> stack = new ArrayDeque<>();
    private long added;

    /** Adds the vector at the next position; {@code values} becomes this sum's to overwrite. */
    public PairwiseSum add(float[] values) {
        if (!stack.isEmpty() && stack.peek().values.length != values.length) {
            throw new IllegalArgumentException("vector " + added + " has " + values.length + " values, the others "
                    + stack.peek().values.length);
        }
        Node node = new Node(values, 1);
        // a completed left sibling of equal size is merged at once: binary-counter order
        while (!stack.isEmpty() && stack.peek().leaves == node.leaves) {
            Node left = stack.pop();
            addInto(left.values, node.values);
            node = new Node(left.values, 2 * left.leaves);
        }
        stack.push(node);
        added++;
        return this;
    }

    /** Vectors added so far. */
    public long count() {
        return added;
    }

    /**
     * The sum of everything added; the sum then starts again empty. What is left on the stack are
     * left siblings of ever larger subtrees that hold the rest, so it is folded from the right.
     */
    public float[] result() {
        if (stack.isEmpty()) {
            throw new IllegalStateException("nothing was added");
        }
        float[] right = null;
        for (Node n : stack) { // top (rightmost) first
            if (right != null) {
                addInto(n.values, right);
            }
            right = n.values;
        }
        float[] root = stack.peekLast().values;
        stack.clear();
        added = 0;
        return root;
    }

    private static void addInto(float[] left, float[] right) {
        for (int i = 0; i < left.length; i++) {
            left[i] += right[i];
        }
    }
}
