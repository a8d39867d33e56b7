package org.vaelab.slurm;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Slurm's {@code --array} index lists: {@code 0-3,5,7-9}, the form sbatch reads and squeue prints. */
public final class ArrayRanges {
    private ArrayRanges() {
    }

    /** Sorted, de-duplicated indices as ranges; consecutive runs of three or more become {@code a-b}. */
    public static String format(List<Integer> indices) {
        if (indices.isEmpty()) {
            throw new IllegalArgumentException("an array needs at least one index");
        }
        List<Integer> xs = new ArrayList<>(new TreeSet<>(indices));
        if (xs.get(0) < 0) {
            throw new IllegalArgumentException("array indices must be >= 0, got " + xs.get(0));
        }
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < xs.size()) {
            int j = i;
            while (j + 1 < xs.size() && xs.get(j + 1) == xs.get(j) + 1) {
                j++;
            }
            if (b.length() > 0) {
                b.append(',');
            }
            if (j - i >= 2) {
                b.append(xs.get(i)).append('-').append(xs.get(j));
            } else {
                for (int k = i; k <= j; k++) {
                    b.append(k > i ? "," : "").append(xs.get(k));
                }
            }
            i = j + 1;
        }
        return b.toString();
    }

    /** The indices of a list written by {@link #format} (also {@code a-b:step}, which sbatch accepts). */
    public static List<Integer> parse(String ranges) {
        List<Integer> out = new ArrayList<>();
        for (String part : ranges.split(",")) {
            String p = part.strip();
            int step = 1;
            if (p.contains(":")) {
                step = Integer.parseInt(p.substring(p.indexOf(':') + 1));
                p = p.substring(0, p.indexOf(':'));
            }
            if (p.contains("-")) {
                int a = Integer.parseInt(p.substring(0, p.indexOf('-')));
                int z = Integer.parseInt(p.substring(p.indexOf('-') + 1));
                for (int k = a; k <= z; k += step) {
                    out.add(k);
                }
            } else {
                out.add(Integer.parseInt(p));
            }
        }
        return out;
    }
}
