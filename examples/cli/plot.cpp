// SPDX-License-Identifier: MIT
// The comparison plot: three heat maps with axes and colour bars on a plain RGB canvas, then libpng.

#include "plot.hpp"

#include <png.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "font.hpp"

namespace cli {
namespace {

struct Rgb {
  std::uint8_t r, g, b;
};

constexpr Rgb ink{35, 35, 35};

// Fixed layout in pixels, so that plots of different clips line up. Each panel: the frequency
// axis on the left, the title above, the time axis below, the colour bar on the right.
constexpr int text_scale = 2;  // canvas pixels per font pixel
constexpr int map_w = 360, map_h = 260;
constexpr int margin_left = 92, margin_top = 44;
constexpr int bar_gap = 14, bar_w = 14, tick_len = 5;
constexpr int panel_w = margin_left + map_w + bar_gap + bar_w + 64;
constexpr int image_w = 3 * panel_w + 10, image_h = margin_top + map_h + 64;

constexpr double db_range = 80.0;    // shown below the peak
constexpr double diff_range = 20.0;  // the difference saturates at +-diff_range
constexpr double power_floor = 1e-20;  // relative to the peak's power: -200 dB keeps log10 finite

// Colour maps: linear interpolation between anchors picked by hand. The dB map rises steadily in
// lightness (dark blue-violet to pale yellow); the difference map is blue, white at 0, red.
constexpr Rgb level_anchors[] = {{12, 10, 36},  {70, 22, 110},  {160, 40, 105},
                                 {228, 95, 60}, {250, 185, 60}, {252, 252, 200}};
constexpr Rgb diverging_anchors[] = {
    {40, 70, 160}, {145, 185, 230}, {247, 247, 247}, {240, 150, 125}, {175, 30, 45}};

template <std::size_t N>
Rgb colour_at(const Rgb (&anchors)[N], double t) {
  t = std::clamp(t, 0.0, 1.0) * (N - 1);
  const std::size_t i = std::min(static_cast<std::size_t>(t), N - 2);
  const double f = t - static_cast<double>(i);
  auto mix = [f](std::uint8_t a, std::uint8_t b) {
    return static_cast<std::uint8_t>(std::lround(a + f * (b - a)));
  };
  return {mix(anchors[i].r, anchors[i + 1].r), mix(anchors[i].g, anchors[i + 1].g),
          mix(anchors[i].b, anchors[i + 1].b)};
}

class Canvas {
 public:
  Canvas(int width, int height)
      : m_width(width), m_height(height), m_rgb(3 * static_cast<std::size_t>(width) * height, 255) {}

  int width() const { return m_width; }
  int height() const { return m_height; }
  const std::uint8_t* row(int y) const { return &m_rgb[3 * static_cast<std::size_t>(y) * m_width]; }

  void fill(int x, int y, int w, int h, Rgb c) {
    for (int j = std::max(y, 0); j < std::min(y + h, m_height); ++j)
      for (int i = std::max(x, 0); i < std::min(x + w, m_width); ++i) {
        std::uint8_t* p = &m_rgb[3 * (static_cast<std::size_t>(j) * m_width + i)];
        p[0] = c.r;
        p[1] = c.g;
        p[2] = c.b;
      }
  }
  void frame(int x, int y, int w, int h, Rgb c) {  // a 1-pixel outline just outside the box
    fill(x - 1, y - 1, w + 2, 1, c);
    fill(x - 1, y + h, w + 2, 1, c);
    fill(x - 1, y, 1, h, c);
    fill(x + w, y, 1, h, c);
  }

 private:
  int m_width, m_height;
  std::vector<std::uint8_t> m_rgb;
};

// Columns a glyph inks; the font is proportional, with one blank column between glyphs.
int glyph_columns(const font::Glyph* g) {
  if (!g) return font::space_advance;
  unsigned bits = 0;
  for (std::uint8_t r : g->rows) bits |= r;
  for (int c = font::glyph_width - 1; c >= 0; --c)
    if (bits & (0x10u >> c)) return c + 1;
  return font::space_advance;
}

int text_width(const std::string& s) {
  int columns = 0;
  for (char c : s) columns += glyph_columns(font::find_glyph(c)) + 1;
  return std::max(columns - 1, 0) * text_scale;
}

constexpr int text_height = font::cap_height * text_scale;

// Draws `s` with its top-left corner at (x, y). Rotated text reads bottom to top, (x, y) being
// its bottom-left corner: glyph rows run rightwards, columns upwards.
void draw_text(Canvas& canvas, int x, int y, const std::string& s, bool rotated = false) {
  constexpr int k = text_scale;
  int pen = 0;
  for (char c : s) {
    const font::Glyph* g = font::find_glyph(c);
    for (int row = 0; g && row < font::glyph_height; ++row)
      for (int col = 0; col < font::glyph_width; ++col) {
        if (!(g->rows[row] & (0x10u >> col))) continue;
        if (rotated)
          canvas.fill(x + row * k, y - (pen + col + 1) * k, k, k, ink);
        else
          canvas.fill(x + (pen + col) * k, y + row * k, k, k, ink);
      }
    pen += glyph_columns(g) + 1;
  }
}

struct Ticks {
  std::vector<double> values;
  int decimals = 0;
};

// Round values (1, 2 or 5 times a power of ten) inside [lo, hi], about `target` steps apart over
// [span_lo, span_hi]. The two ranges differ for the axes: ticks only where there is data.
Ticks nice_ticks(double span_lo, double span_hi, int target, double lo, double hi) {
  const double raw = (span_hi - span_lo) / target;
  double step = 1.0;
  if (raw > 0 && std::isfinite(raw)) {
    const double decade = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
      step = m * decade;
      if (step >= raw * (1 - 1e-9)) break;
    }
  }
  Ticks ticks;
  ticks.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  const double first = std::ceil(lo / step - 1e-9), last = std::floor(hi / step + 1e-9);
  for (double k = first; k <= last; ++k) ticks.values.push_back(k * step);
  return ticks;
}

// "1.50" -> "1.5", "2.0" -> "2", "-0" -> "0"; `plus` marks positive values ("+10").
std::string format_tick(double v, int decimals, bool plus = false) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  std::string s = buffer;
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  if (plus && s != "0" && s[0] != '-') s.insert(0, "+");
  return s;
}

// Cells [first, last) of `n` that pixel `p` of `pixels` covers: at least one.
std::pair<Eigen::Index, Eigen::Index> covered(int p, int pixels, Eigen::Index n) {
  const Eigen::Index first = p * n / pixels;
  const Eigen::Index last = std::max(first + 1, ((p + 1) * n + pixels - 1) / pixels);
  return {first, std::min(last, n)};
}

// Mean power of the cells under each pixel, in dB relative to `peak`, floored, low frequencies at
// the bottom. Mean power rather than a sample keeps short events visible in long clips.
Eigen::MatrixXd resample_db(const Eigen::MatrixXd& magnitude, double peak) {
  const Eigen::MatrixXd power = (magnitude / peak).array().square().matrix();
  Eigen::MatrixXd columns(power.rows(), map_w);
  for (int x = 0; x < map_w; ++x) {
    const auto [c0, c1] = covered(x, map_w, power.cols());
    columns.col(x) = power.middleCols(c0, c1 - c0).rowwise().mean();
  }
  Eigen::MatrixXd db(map_h, map_w);
  for (int y = 0; y < map_h; ++y) {
    const auto [r0, r1] = covered(map_h - 1 - y, map_h, power.rows());
    db.row(y) = columns.middleRows(r0, r1 - r0).colwise().mean();
  }
  return 10.0 * db.array().max(power_floor).log10().matrix();
}

// Where the data sits on the axes: cell k spans k +- 1/2 in both directions.
struct Axes {
  double t_lo, t_hi, t_last;  // seconds: the map's edges and the last frame
  double f_lo, f_hi, f_last;  // in the axis unit (Hz or kHz)
  std::string f_name;
};

struct Panel {
  std::string title;
  Eigen::MatrixXd values;  // (map_h, map_w) in dB
  double lo, hi;           // the colour bar's range
  bool diverging;
};

void draw_panel(Canvas& canvas, int x0, const Panel& panel, const Axes& axes) {
  const int mx = x0 + margin_left, my = margin_top;
  for (int y = 0; y < map_h; ++y)
    for (int x = 0; x < map_w; ++x) {
      const double t = (panel.values(y, x) - panel.lo) / (panel.hi - panel.lo);
      canvas.fill(mx + x, my + y, 1, 1,
                  panel.diverging ? colour_at(diverging_anchors, t) : colour_at(level_anchors, t));
    }
  canvas.frame(mx, my, map_w, map_h, ink);
  draw_text(canvas, mx + (map_w - text_width(panel.title)) / 2, 12, panel.title);

  // Time axis: ticks below the map, from 0 to the last frame.
  const Ticks t_ticks = nice_ticks(axes.t_lo, axes.t_hi, 6, 0.0, axes.t_last);
  for (double t : t_ticks.values) {
    const int x = mx + std::clamp(static_cast<int>(std::lround((t - axes.t_lo) / (axes.t_hi - axes.t_lo) * map_w)),
                                  0, map_w - 1);
    canvas.fill(x, my + map_h + 1, 1, tick_len, ink);
    const std::string label = format_tick(t, t_ticks.decimals);
    draw_text(canvas, x - text_width(label) / 2, my + map_h + tick_len + 5, label);
  }
  const std::string t_name = "time (s)";
  draw_text(canvas, mx + (map_w - text_width(t_name)) / 2, my + map_h + tick_len + 29, t_name);

  // Frequency axis: ticks left of the map, from 0 Hz to Nyquist; the name reads upwards.
  const Ticks f_ticks = nice_ticks(axes.f_lo, axes.f_hi, 6, 0.0, axes.f_last);
  for (double f : f_ticks.values) {
    const int y = my + map_h - 1 -
                  std::clamp(static_cast<int>(std::lround((f - axes.f_lo) / (axes.f_hi - axes.f_lo) * map_h)),
                             0, map_h - 1);
    canvas.fill(mx - 1 - tick_len, y, tick_len, 1, ink);
    const std::string label = format_tick(f, f_ticks.decimals);
    draw_text(canvas, mx - tick_len - 5 - text_width(label), y - text_height / 2, label);
  }
  draw_text(canvas, x0 + 8, my + (map_h + text_width(axes.f_name)) / 2, axes.f_name, true);

  // Colour bar, high values at the top, labelled in dB.
  const int bx = mx + map_w + bar_gap;
  for (int y = 0; y < map_h; ++y) {
    const double t = 1.0 - (y + 0.5) / map_h;
    canvas.fill(bx, my + y, bar_w, 1,
                panel.diverging ? colour_at(diverging_anchors, t) : colour_at(level_anchors, t));
  }
  canvas.frame(bx, my, bar_w, map_h, ink);
  draw_text(canvas, bx, 12, "dB");  // on the title line, clear of the top tick label
  const Ticks v_ticks = nice_ticks(panel.lo, panel.hi, 4, panel.lo, panel.hi);
  for (double v : v_ticks.values) {
    const int y = my + std::clamp(static_cast<int>(std::lround((panel.hi - v) / (panel.hi - panel.lo) * map_h)),
                                  0, map_h - 1);
    canvas.fill(bx + bar_w + 1, y, tick_len, 1, ink);
    draw_text(canvas, bx + bar_w + tick_len + 4, y - text_height / 2,
              format_tick(v, v_ticks.decimals, panel.diverging));
  }
}

// libpng's error callback: keep the message, then unwind to encode_png's setjmp.
void on_png_error(png_structp png, png_const_charp message) {
  std::snprintf(static_cast<char*>(png_get_error_ptr(png)), 256, "%s", message);
  png_longjmp(png, 1);
}
void on_png_warning(png_structp, png_const_charp) {}

// Encodes the canvas as an 8-bit RGB PNG into `file`. libpng reports errors by longjmp, which
// would skip destructors, so nothing here owns a C++ object. On failure `error` (256 bytes) says why.
bool encode_png(std::FILE* file, const Canvas& canvas, char* error) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, error, on_png_error, on_png_warning);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, static_cast<png_uint_32>(canvas.width()), static_cast<png_uint_32>(canvas.height()),
               8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < canvas.height(); ++y) png_write_row(png, canvas.row(y));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

void write_comparison_png(const std::string& path, const Eigen::MatrixXd& reference,
                          const Eigen::MatrixXd& estimate, int sample_rate, int hop) {
  if (reference.size() == 0 || reference.rows() != estimate.rows() || reference.cols() != estimate.cols())
    throw std::invalid_argument("write_comparison_png: reference and estimate must be non-empty and of one shape");
  if (sample_rate <= 0 || hop <= 0)
    throw std::invalid_argument("write_comparison_png: sample_rate and hop must be positive");

  // Work relative to the common peak so that squaring neither overflows nor underflows; silence
  // (peak 0) is shown as the floor, with the scale's top at 0 dB.
  const double peak = std::max(reference.maxCoeff(), estimate.maxCoeff());
  const double scale = peak > 0 ? peak : 1.0;
  const double top = peak > 0 ? 20.0 * std::log10(peak) : 0.0;
  const Eigen::MatrixXd ref_db = resample_db(reference, scale).array() + top;
  const Eigen::MatrixXd est_db = resample_db(estimate, scale).array() + top;
  // The difference of what the two panels show: levels below the colour scale count as its bottom,
  // so noise too quiet to see in either panel does not light up here.
  const double bottom = top - db_range;
  const Eigen::MatrixXd diff = est_db.array().max(bottom) - ref_db.array().max(bottom);

  const Eigen::Index frames = reference.cols(), bins = reference.rows();
  const double frame_step = static_cast<double>(hop) / sample_rate;
  const double nyquist = sample_rate / 2.0;
  const double bin_step = bins > 1 ? nyquist / static_cast<double>(bins - 1) : nyquist;
  const bool khz = nyquist >= 2000.0;
  const double unit = khz ? 1000.0 : 1.0;
  const Axes axes{-frame_step / 2,
                  (static_cast<double>(frames) - 0.5) * frame_step,
                  static_cast<double>(frames - 1) * frame_step,
                  -bin_step / 2 / unit,
                  (static_cast<double>(bins - 1) * bin_step + bin_step / 2) / unit,
                  static_cast<double>(bins - 1) * bin_step / unit,
                  khz ? "frequency (kHz)" : "frequency (Hz)"};

  Canvas canvas(image_w, image_h);
  draw_panel(canvas, 0, {"reference", ref_db, bottom, top, false}, axes);
  draw_panel(canvas, panel_w, {"estimate", est_db, bottom, top, false}, axes);
  draw_panel(canvas, 2 * panel_w, {"estimate - reference", diff, -diff_range, diff_range, true}, axes);

  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw std::runtime_error("cannot write plot '" + path + "': " + std::strerror(errno));
  char error[256] = "out of memory";
  const bool encoded = encode_png(file, canvas, error);
  const bool closed = std::fclose(file) == 0;  // a full disk may only show here
  // The partial file is left alone: `path` may name a device or a pipe, never ours to unlink.
  if (!encoded || !closed)
    throw std::runtime_error("cannot write plot '" + path + "': " + (encoded ? "write error" : error));
}

}  // namespace cli
