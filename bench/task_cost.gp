# Cost per task, one cluster per task size, one bar per runner (log scale: the runners differ
# by orders of magnitude). Called by bench/render.py with data, out and columns set.
set terminal pngcairo noenhanced size 900,520 font "sans,11"
set output out
set title "Wall time per task, lower is better"
set ylabel "time per task (log scale)"
set logscale y
set yrange [8:2e6]
set ytics ("10 ns" 10, "100 ns" 100, "1 us" 1e3, "10 us" 1e4, "100 us" 1e5, "1 ms" 1e6)
set xrange [-0.6:2.6]
set grid ytics
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key below horizontal
plot for [i=2:columns] data using i:xtic(1) title columnheader(i)
