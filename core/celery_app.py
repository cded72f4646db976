"""The Celery app as a module, for Celery's own tools (Flower, `celery inspect`), which need
the broker's configuration but not the task's code:

celery -A core.celery_app inspect active
"""

from core.dispatch import create_celery
from core.settings import get_settings

app = create_celery(get_settings())
