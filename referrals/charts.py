"""Small bar charts drawn on the server as SVG: no script, no CDN, readable without colour
(every bar carries its number), and each chart has its numbers as a table beside it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    value: float
    text: str
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0


@dataclass
class BarChart:
    title: str
    bars: list[Bar]
    width: int = 640
    height: int = 220
    gutter: int = 28  # room for labels under the bars

    def __post_init__(self) -> None:
        top = max((bar.value for bar in self.bars), default=0) or 1
        slot = self.width / max(len(self.bars), 1)
        plot = self.height - self.gutter * 2
        for index, bar in enumerate(self.bars):
            bar.width = slot * 0.6
            bar.x = index * slot + slot * 0.2
            bar.height = plot * bar.value / top
            bar.y = self.gutter + plot - bar.height
