"""Resource namespaces: ``client.voices``, ``client.tts``, ``client.files``, ``client.video``,
``client.tasks``, ``client.account``. Each method is written once and returns a plan that the
client runs."""

from .account import Account
from .base import Resource, voice_id
from .files import Files
from .tasks import Tasks
from .tts import Tts
from .video import Video, video_plan
from .voices import Voices

__all__ = ["Account", "Files", "Resource", "Tasks", "Tts", "Video", "Voices", "video_plan",
           "voice_id"]
