module github.com/shop3d/tracegen/collector/healthprobe

go 1.26.0
