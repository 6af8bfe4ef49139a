#!/usr/bin/env bash
# Plots from consim's outputs, with gnuplot (Debian: gnuplot-nox) and jq.
#
#   tools/plot.sh window REPORT.json OUT.svg
#       the stale-read window: P(stale) against time since the write, one
#       line per level, from the report's "probe" (reads at fixed delays after
#       each acknowledged write) and "window" (all reads, bucketed by time since
#       the newest acknowledged write; drawn at each bucket's lower edge).
#       REPORT.json: consim run FILE --format json --output REPORT.json
#   tools/plot.sh heatmap SWEEP.csv OUT.svg [LEVELS]
#       W x R heat maps of the stale rate and of p99 read latency, one pair per
#       level (default: every level in the CSV, e.g. "eventual strong").
#       SWEEP.csv: consim sweep FILE --w all --r all --output SWEEP.csv
#   tools/plot.sh latency SWEEP.csv OUT.svg
#       p50 / p99 read latency against W and R (bars, one group per point);
#       write latency is in the writes table (consim sweep --writes-output).
#   tools/plot.sh probe PROBE.csv OUT.svg [LEVEL]
#       P(stale) against the delay after the acknowledgement, one line per sweep
#       point (W, R and any --vary values) that is ever stale, for one level
#       (default: the first in the CSV).
#       PROBE.csv: consim sweep FILE --w all --r all --probe-output PROBE.csv ...
#
# The output format follows OUT's extension: .svg or .png.
set -euo pipefail
usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 3 ] || usage
kind=$1 in=$2 out=$3
for tool in gnuplot jq; do
  command -v "$tool" >/dev/null || { echo "plot: $tool is missing: apt-get install gnuplot-nox jq" >&2; exit 1; }
done
[ -r "$in" ] || { echo "plot: cannot read $in" >&2; exit 2; }
case "$out" in
  *.svg) term="set terminal svg size 760,460 dynamic font 'sans,12' background '#ffffff'" ;;
  *.png) term="set terminal pngcairo size 760,460 font 'sans,10'" ;;
  *) echo "plot: $out: the output must end in .svg or .png" >&2; exit 2 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

case "$kind" in
window)
  name=$(jq -r '.scenario.name' "$in")
  plots=()
  for level in $(jq -r '.probe | keys_unsorted[]' "$in"); do
    jq -r --arg l "$level" '.probe[$l][] | select(.reads > 0) | "\(.delay_ms) \(.stale_rate) \(.reads)"' "$in" > "$tmp/probe-$level.dat"
    plots+=("'$tmp/probe-$level.dat' using (\$1 == 0 ? 0.5 : \$1):2 with linespoints lw 2 pt 7 title 'probe, $level'")
  done
  for level in $(jq -r '.window | keys_unsorted[]' "$in"); do
    jq -r --arg l "$level" '.window[$l][] | select(.reads > 0) | "\(.lo_ms) \(.stale_rate) \(.reads)"' "$in" > "$tmp/window-$level.dat"
    [ -s "$tmp/window-$level.dat" ] && plots+=("'$tmp/window-$level.dat' using (\$1 == 0 ? 0.5 : \$1):2 with steps lw 1 dt 2 title 'all reads, $level'")
  done
  [ ${#plots[@]} -gt 0 ] || { echo "plot: $in has no probe or window data" >&2; exit 2; }
  {
    echo "$term"
    echo "set output '$out'"
    echo "set title \"Stale-read window: $name\" noenhanced"
    echo "set xlabel 'time since the write was acknowledged (ms, log scale; 0 drawn at 0.5)'"
    echo "set ylabel 'P(stale read)'"
    echo "set logscale x"
    echo "set yrange [0:1.05]"
    echo "set grid"
    echo "set key top right noenhanced"
    (IFS=,; echo "plot ${plots[*]}")
  } > "$tmp/plot.gp"
  ;;
heatmap|latency)
  header=$(head -1 "$in")
  col() { echo "$header" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
  cw=$(col w) cr=$(col r) cl=$(col level) cs=$(col stale_rate) cp=$(col read_p99_ms) cp50=$(col read_p50_ms)
  [ -n "$cw" ] && [ -n "$cr" ] && [ -n "$cl" ] || { echo "plot: $in is not a consim sweep CSV" >&2; exit 2; }
  levels=${4:-$(tail -n +2 "$in" | cut -d, -f"$cl" | awk '!seen[$0]++' | tr '\n' ' ')}
  nlev=$(echo $levels | wc -w)
  maxw=$(tail -n +2 "$in" | cut -d, -f"$cw" | sort -n | tail -1)
  maxr=$(tail -n +2 "$in" | cut -d, -f"$cr" | sort -n | tail -1)
  if [ "$kind" = heatmap ]; then
    {
      case "$out" in
        *.svg) echo "set terminal svg size $((340 * nlev)),640 dynamic font 'sans,11' background '#ffffff'" ;;
        *.png) echo "set terminal pngcairo size $((340 * nlev)),640 font 'sans,9'" ;;
      esac
      echo "set output '$out'"
      echo "set multiplot layout 2,$nlev title 'W x R: stale rate (top) and p99 read latency in ms (bottom)'"
      echo "set xlabel 'W (write quorum)'; set ylabel 'R (read quorum)'"
      echo "set xrange [0.5:$maxw.5]; set yrange [0.5:$maxr.5]; set xtics 1; set ytics 1"
      echo "set view map; set size square"
      for metric in stale p99; do
        for level in $levels; do
          c=$cs; [ "$metric" = p99 ] && c=$cp
          awk -F, -v l="$level" -v cw="$cw" -v cr="$cr" -v cl="$cl" -v c="$c" \
            'NR > 1 && $cl == l && $c != "" { print $cw, $cr, $c }' "$in" > "$tmp/$metric-$level.dat"
          if [ "$metric" = stale ]; then
            echo "set title '$level: stale rate' noenhanced; set palette defined (0 '#ffffff', 1 '#fdae61', 2 '#d7191c'); set cbrange [0:*]; set format cb '%g'"
            echo "splot '$tmp/$metric-$level.dat' using 1:2:3 with image notitle, '' using 1:2:(0):(sprintf('%.2f%%', 100*\$3)) with labels notitle"
          else
            echo "set title '$level: p99 read latency (ms)' noenhanced; set palette defined (0 '#ffffff', 1 '#74add1', 2 '#313695'); set cbrange [0:*]; set format cb '%g'"
            echo "splot '$tmp/$metric-$level.dat' using 1:2:3 with image notitle, '' using 1:2:(0):(sprintf('%.1f', \$3)) with labels notitle"
          fi
        done
      done
      echo "unset multiplot"
    } > "$tmp/plot.gp"
  else
    level=$(echo $levels | awk '{print $1}')
    awk -F, -v l="$level" -v cw="$cw" -v cr="$cr" -v cl="$cl" -v a="$cp50" -v b="$cp" \
      'NR > 1 && $cl == l { printf "W=%s,R=%s %s %s\n", $cw, $cr, $a, $b }' "$in" > "$tmp/lat.dat"
    {
      echo "$term"
      echo "set output '$out'"
      echo "set title 'Read latency by W and R ($level reads)' noenhanced"
      echo "set style data histograms; set style histogram clustered gap 1; set style fill solid 0.8 border -1"
      echo "set ylabel 'ms'; set grid y; set xtics rotate by -30; set key top left"
      echo "plot '$tmp/lat.dat' using 2:xtic(1) title 'read p50', '' using 3 title 'read p99'"
    } > "$tmp/plot.gp"
  fi
  ;;
probe)
  header=$(head -1 "$in")
  col() { echo "$header" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
  cl=$(col level) cd=$(col delay_ms) cs=$(col stale_rate) cn=$(col reads)
  [ -n "$cl" ] && [ -n "$cd" ] && [ -n "$cs" ] || { echo "plot: $in is not a consim --probe-output CSV" >&2; exit 2; }
  level=${4:-$(sed -n 2p "$in" | cut -d, -f"$cl")}
  # A point is every column before delay_ms but n and level; name it "w=1 r=2 ...".
  awk -F, -v l="$level" -v cl="$cl" -v cd="$cd" -v cs="$cs" -v cn="$cn" -v dir="$tmp" '
    NR == 1 { for (i = 1; i <= NF; i++) { name[i] = $i; sub(/.*\./, "", name[i]) } next }
    $cl == l && $cn > 0 {
      key = ""
      for (i = 2; i < cd; i++) if (i != cl) key = key (key == "" ? "" : " ") name[i] "=" $i
      if (!(key in file)) { file[key] = dir "/p" (++k) ".dat"; order[k] = key }
      print ($cd == 0 ? 0.5 : $cd), $cs > file[key]
      if ($cs > 0) stale[key] = 1
    }
    END { for (i = 1; i <= k; i++) if (order[i] in stale) print file[order[i]] "\t" order[i] > (dir "/index") }
  ' "$in"
  [ -s "$tmp/index" ] || { echo "plot: no point of $in is ever stale at level $level" >&2; exit 2; }
  plots=()
  while IFS=$'\t' read -r f t; do plots+=("'$f' using 1:2 with linespoints lw 2 pt 7 title '$t'"); done < "$tmp/index"
  {
    echo "$term"
    echo "set output '$out'"
    echo "set title \"P(stale) after the acknowledgement: $level reads (probe)\" noenhanced"
    echo "set xlabel 'time since the write was acknowledged (ms, log scale; 0 drawn at 0.5)'"
    echo "set ylabel 'P(stale read)'"
    echo "set logscale x; set yrange [0:*]; set grid"
    echo "set key top right noenhanced"
    (IFS=,; echo "plot ${plots[*]}")
  } > "$tmp/plot.gp"
  ;;
*) usage ;;
esac
gnuplot "$tmp/plot.gp"
echo "plot: wrote $out"
