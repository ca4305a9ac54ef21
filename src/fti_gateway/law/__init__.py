"""§ 6103 as code: authorities, registries, element classes, findings and decisions."""
