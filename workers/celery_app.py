"""The Celery app as a module, for Celery's own tools (Flower, `celery inspect`):

celery -A workers.celery_app inspect active
"""

from backend.settings import get_settings
from workers.distributed import create_celery

app = create_celery(get_settings())
