"""Where DiveLab downloads from by default (settings can point elsewhere: a mirror, a cache)."""

# torchvision's ImageNet VGG19 for style transfer (548 MB); the file name's suffix is the start
# of its SHA-256.
VGG19_WEIGHTS_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
