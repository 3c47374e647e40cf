"""Text in two bytes a pixel: grey text (every body text here: near-black, grey, white) gets a
luminance+alpha texture instead of RGBA.

Kivy's text provider renders a label into an RGBA surface whose colour channels all hold the
text colour; for a grey colour (r = g = b) one channel says it all. Sampled as luminance+alpha,
such a texture gives the very same (L, L, L, A) the RGBA one did, so labels look the same with
Kivy's own canvas rules, and half the memory: about 11 MB less at 1080x1920 in software GL, and
on a Pi half the GPU memory its text takes (docs/benchmarks.md, "Where the memory goes").
Coloured text (a red heading) keeps RGBA.

`install()` makes every `kivy.uix.label.Label` created afterwards render this way.
"""
from __future__ import annotations

from kivy.core.image import ImageData
from kivy.core.text import Label as ProviderLabel
from kivy.graphics.texture import Texture

LA = "luminance_alpha"


def _grey(rgb) -> bool:
    return rgb[0] == rgb[1] == rgb[2]


class GreyTextLabel(ProviderLabel):
    """Kivy's core label, with grey text kept in a luminance+alpha texture."""

    _colorfmt = "rgba"

    def text_colorfmt(self) -> str:
        options = self.options
        if not _grey(options["color"]):
            return "rgba"
        if options.get("outline_width") and not _grey(options.get("outline_color") or (0, 0, 0)):
            return "rgba"
        return LA

    def refresh(self):
        """Kivy's LabelBase.refresh, making the texture in this text's format."""
        self.resolve_font_name()
        size = self.render()
        self._size_texture = size
        self._size = (size[0], size[1])
        width, height = self._size
        if width <= 1 or height <= 1:
            self.texture = self.texture_1px
            return
        fmt = self._colorfmt = self.text_colorfmt()
        texture = self.texture
        if (texture is None or texture is self.texture_1px or texture.size != (width, height)
                or texture.colorfmt != fmt):
            texture = Texture.create(size=(width, height), colorfmt=fmt,
                                     mipmap=self.options["mipmap"], callback=self._texture_fill)
            texture.flip_vertical()
            texture.add_reload_observer(self._texture_refresh)
            self.texture = texture
        else:
            texture.ask_update(self._texture_fill)

    def _render_end(self):
        data = super()._render_end()
        if self._colorfmt != LA or data is None or data.fmt != "rgba":
            return data
        rgba = data.data
        la = bytearray(len(rgba) // 2)
        la[0::2] = rgba[0::4]  # the grey level (r = g = b)
        la[1::2] = rgba[3::4]  # coverage
        image = ImageData(data.width, data.height, "rgba", bytes(la))
        image.fmt = LA  # ImageData's check knows no luminance_alpha; the texture upload does
        return image


def install() -> None:
    """Labels created from now on render through GreyTextLabel (idempotent)."""
    import kivy.uix.label as uix_label

    uix_label.CoreLabel = GreyTextLabel
