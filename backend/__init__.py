"""DiveLab's API side: catalogue, jobs, event streams, images. Never imports torch."""
