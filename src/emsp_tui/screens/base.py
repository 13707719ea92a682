"""What every area screen shares: the app's services, typed, and a readable error notice."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.screen import Screen

from ..messages import ActionFailed, FavouriteToggled
from ..services.stations import StationKey
from ..widgets.safe_text import notify_plain

if TYPE_CHECKING:
    from .face import EmspFace


def one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


class AreaScreen(Screen[None]):
    """A top-level area (a MODE) or a page pushed on one."""

    HELP = ""

    @property
    def emsp(self) -> EmspFace:
        return cast("EmspFace", self.app)

    def failed(self, what: str, error: str) -> None:
        notify_plain(self, error, title=what, severity="error", timeout=10)

    @on(ActionFailed)
    def _action_failed(self, event: ActionFailed) -> None:
        self.failed(event.what, event.error)

    @work(group="favourites", exit_on_error=False)
    async def toggle_star(self, key: StationKey) -> None:
        """Star or unstar; posts FavouriteToggled (the screen updates what it shows)."""
        try:
            await self.emsp.ready()
            favourite = await self.emsp.stations.toggle_favourite(key, self.emsp.now())
        except Exception as err:
            self.post_message(ActionFailed("Favourite not saved", one_line(err)))
        else:
            self.post_message(FavouriteToggled(key, favourite))
            self.notify(
                "Added to your favourites." if favourite else "Removed from your favourites."
            )
