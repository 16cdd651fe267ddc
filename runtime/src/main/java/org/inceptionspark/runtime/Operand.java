package org.inceptionspark.runtime;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;

import java.util.EnumMap;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.inceptionspark.runtime.PrimitiveArena.Role;

/**
 * One argument of a oneDNN primitive: the layout of DL4J's array, the layout the primitive
 * wants, and the reorder between them when they differ (into the arena's buffer for the role).
 */
final class Operand {
    final dnnl_memory_desc_t user;
    final dnnl_memory_desc_t internal;
    final dnnl_primitive reorder;
    final Role role;

    Operand(dnnl_memory_desc_t user, dnnl_memory_desc_t internal, Role role, boolean input) {
        this.user = user;
        this.internal = internal;
        this.role = role;
        this.reorder = Dnnl.same(user, internal) ? null
                : Dnnl.primitive(input ? Dnnl.reorderDescriptor(user, internal) : Dnnl.reorderDescriptor(internal, user));
    }

    /** Where the primitive reads this input: DL4J's array itself, or the arena's reordered copy. */
    Span in(String what, PrimitiveArena arena, Span userArray) {
        if (reorder == null) {
            return userArray;
        }
        Span buffer = arena.address(role, Dnnl.bytes(internal));
        Dnnl.execute(what + ", reorder of " + role + " in", reorder, arena.stream(),
                new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, new dnnl_memory_desc_t[] {user, internal},
                new Span[] {userArray, buffer});
        return buffer;
    }

    /** Where the primitive writes this output. */
    Span out(PrimitiveArena arena, Span userArray) {
        return reorder == null ? userArray : arena.address(role, Dnnl.bytes(internal));
    }

    /** Moves an output written at {@code buffer} into DL4J's array. */
    void deliver(String what, PrimitiveArena arena, Span buffer, Span userArray) {
        if (reorder != null) {
            Dnnl.execute(what + ", reorder of " + role + " out", reorder, arena.stream(),
                    new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, new dnnl_memory_desc_t[] {internal, user},
                    new Span[] {buffer, userArray});
        }
    }

    /**
     * The arena bytes per role that a plan's {@code operands} (those it reorders) and the
     * scratchpads of its primitives {@code pds} need: the largest of each role.
     */
    static Map<Role, Long> arenaNeeds(Operand[] operands, dnnl_primitive_desc... pds) {
        Map<Role, Long> needs = new EnumMap<>(Role.class);
        for (Operand o : operands) {
            if (o.reorder != null) {
                needs.merge(o.role, Dnnl.bytes(o.internal), Math::max);
            }
        }
        for (dnnl_primitive_desc pd : pds) {
            long scratch = Dnnl.bytes(Dnnl.scratchpad(pd));
            if (scratch > 0) {
                needs.merge(Role.SCRATCHPAD, scratch, Math::max);
            }
        }
        return needs;
    }
}
