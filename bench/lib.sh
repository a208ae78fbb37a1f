# Shared by the bench scripts (sourced, not run).

# summarize FILE: per-round "min median max" lines -> one combined line:
# the min of the minima, the median of the medians, the max of the maxima.
summarize() {
  sort -n -k2 "$1" | awk '{ mn[NR] = $1; md[NR] = $2; mx[NR] = $3 }
    END { lo = mn[1]; hi = mx[1]
          for (i = 2; i <= NR; i++) { if (mn[i] < lo) lo = mn[i]; if (mx[i] > hi) hi = mx[i] }
          med = (NR % 2) ? md[(NR + 1) / 2] : (md[NR / 2] + md[NR / 2 + 1]) / 2
          printf "%.3f %.3f %.3f\n", lo, med, hi }'
}
