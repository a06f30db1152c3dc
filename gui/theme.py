"""Light or dark theme following the system (Qt 6.5+ colour scheme), plus the stylesheet."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

from core.storage.resources import resource_path

ACCENT = "#5b7cfa"
THEME_COLOURS = {
    "dark": {"@accent@": ACCENT, "@error@": "#ff7b72", "@notice@": "#2d3a5c"},
    "light": {"@accent@": ACCENT, "@error@": "#c62828", "@notice@": "#e3e9ff"},
}


# The rim of radio buttons and check boxes on a dark window (Fusion's own is darker than the window).
DARK_INDICATOR_RIM = "#9a9ea6"
_INDICATORS = (QStyle.PrimitiveElement.PE_IndicatorRadioButton, QStyle.PrimitiveElement.PE_IndicatorCheckBox)


class ThemeStyle(QProxyStyle):
    """Fusion, with radio buttons and check boxes that show on a dark window.

    Fusion draws their rim a shade darker than the window colour and fills them with the
    (darker still) base colour, so on a dark window they all but vanish. Their palette gets
    a window colour from which Fusion derives a light rim; everything else is Fusion's.
    """

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter,
                      widget: QWidget | None = None) -> None:
        """Fusion's drawing; indicators on a dark window get a rim that can be seen."""
        if element in _INDICATORS and option.palette.color(QPalette.ColorRole.Window).lightness() < 128:
            option = type(option)(option)
            palette = QPalette(option.palette)
            # Fusion's rim is the window colour darkened by 140 to 150 %: undo that for the rim wanted.
            palette.setColor(QPalette.ColorRole.Window, QColor(DARK_INDICATOR_RIM).lighter(145))
            option.palette = palette
        super().drawPrimitive(element, option, painter, widget)


def system_prefers_dark() -> bool:
    """Whether the desktop asks for a dark colour scheme."""
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def _dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#26282c",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1c1d20",
        QPalette.ColorRole.AlternateBase: "#2b2d31",
        QPalette.ColorRole.ToolTipBase: "#33363b",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8b8f96",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#303237",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Mid: "#44474d",
        QPalette.ColorRole.Dark: "#141517",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#8ab4ff",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#74777d"))
    return palette


def apply_theme(app: QApplication, dark: bool | None = None) -> str:
    """Style ``app`` (Fusion, palette, stylesheet); ``dark`` None follows the system. Returns the theme name."""
    if dark is None:
        dark = system_prefers_dark()
    name = "dark" if dark else "light"
    if not isinstance(app.style(), ThemeStyle):
        app.setStyle(ThemeStyle())
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())
    sheet = resource_path("style", "editor.qss").read_text(encoding="utf-8")
    for placeholder, colour in THEME_COLOURS[name].items():
        sheet = sheet.replace(placeholder, colour)
    app.setStyleSheet(sheet)
    return name


def follow_system_theme(app: QApplication, on_change) -> None:
    """Re-apply the theme when the system switches between light and dark, then call ``on_change()``."""

    def changed(_scheme) -> None:
        apply_theme(app)
        on_change()

    QGuiApplication.styleHints().colorSchemeChanged.connect(changed)
