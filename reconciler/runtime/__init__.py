"""Process plumbing shared by the layers above: structured logs, the output funnel that masks
secrets, input checks and the small JSON documents a controller keeps."""
