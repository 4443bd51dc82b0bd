"""The reports' look, in one place: colours shared by the PDF and the workbook, and the page grid."""

NAVY = "#1F3A5F"          # title band, headers, MRR
NAVY_LIGHT = "#3C5A80"
ACCENT = "#2A9D8F"        # the stripe under the title band, store revenue
FORECAST = "#D9822B"      # the MRR forecast and its 80 % band: apart from the actuals' navy
INK = "#1F2933"           # body text
MUTED = "#6B7280"         # labels, axes, footer
RULE = "#D5DAE1"          # hair lines, grid
TILE_FILL = "#F3F5F8"
GOOD = "#1E7B45"
BAD = "#C0392B"
FLAT = MUTED

# One colour per MRR movement, the same in the waterfall, the stacked bars and the table
MOVEMENT_COLOURS = {
    "new": "#2E7D32",
    "expansion": "#7CB342",
    "reactivation": "#26A69A",
    "contraction": "#F39C12",
    "churn": "#D64541",
}
TONE_COLOURS = {"good": GOOD, "bad": BAD, "flat": FLAT, "na": MUTED}

# A4 portrait, in inches
PAGE_WIDTH, PAGE_HEIGHT = 8.27, 11.69
MARGIN = 0.45
