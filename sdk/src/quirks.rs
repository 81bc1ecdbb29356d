//! Hand-written decoders for replies whose shape the docs disagree on (actions marked
//! `HandWrittenDecoder` in the spec; the generated type has no `Deserialize` of its own).

#[cfg(feature = "material")]
mod describe_materials {
    use std::fmt;

    use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
    use serde_json::{Map, Value};

    use crate::material::DescribeMaterialsData;
    use crate::types::{FailedMaterialInfo, MaterialInfo};

    /// A list member decoded as the generated lists are ([`crate::de::list`]).
    struct List<T>(Vec<T>);

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            crate::de::list(deserializer).map(List)
        }
    }

    /// The field table gives `Data` as `{MaterialInfoSet, FailedMaterialInfoSet}`; the docs'
    /// success example gives it as one medium (`MaterialBasicInfo`, `MediaInfo`,
    /// `MaterialStatus`, `VideoMaterial`, ... at the top of `Data`). Both decode: the example's
    /// shape as a list of that one medium. Members of neither shape are ignored, as everywhere.
    impl<'de> Deserialize<'de> for DescribeMaterialsData {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct DataVisitor;

            impl<'de> Visitor<'de> for DataVisitor {
                type Value = DescribeMaterialsData;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("the Data of DescribeMaterials")
                }

                fn visit_map<A: MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<DescribeMaterialsData, A::Error> {
                    let mut set: Option<Vec<MaterialInfo>> = None;
                    let mut failed: Vec<FailedMaterialInfo> = Vec::new();
                    // Members of the example's shape; empty in the field table's shape.
                    let mut single = Map::new();
                    while let Some(key) = map.next_key::<String>()? {
                        match key.as_str() {
                            "MaterialInfoSet" => set = Some(map.next_value::<List<_>>()?.0),
                            "FailedMaterialInfoSet" => failed = map.next_value::<List<_>>()?.0,
                            _ => {
                                single.insert(key, map.next_value::<Value>()?);
                            }
                        }
                    }
                    let set = match set {
                        Some(set) => set,
                        None => {
                            let medium =
                                MaterialInfo::deserialize(Value::Object(single)).map_err(|e| {
                                    de::Error::custom(format_args!(
                                        "Data holds one medium (the docs' example shape) that \
                                         does not decode: {e}"
                                    ))
                                })?;
                            let is_medium = medium.basic_info.is_some()
                                || medium.media_info.is_some()
                                || medium.material_status.is_some();
                            if is_medium {
                                vec![medium]
                            } else {
                                Vec::new()
                            }
                        }
                    };
                    Ok(DescribeMaterialsData {
                        material_info_set: set,
                        failed_material_info_set: failed,
                    })
                }
            }

            deserializer.deserialize_map(DataVisitor)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn both_documented_shapes_decode() {
            let table: DescribeMaterialsData = serde_json::from_str(
                r#"{"MaterialInfoSet":[{"BasicInfo":{"MaterialId":"m1"}}],
                    "FailedMaterialInfoSet":[{"MaterialId":"m2","ErrorCode":"x"}]}"#,
            )
            .unwrap();
            assert_eq!(table.material_info_set.len(), 1);
            assert_eq!(table.failed_material_info_set.len(), 1);

            let example: DescribeMaterialsData = serde_json::from_str(
                r#"{"MaterialBasicInfo":{"MaterialId":"m1","MaterialType":"VIDEO"},
                    "MediaInfo":{"Width":1920},"MaterialStatus":{"TranscodeStatus":"NORMAL"},
                    "VideoMaterial":{"MetaData":{"Rotate":""}}}"#,
            )
            .unwrap();
            let [medium] = example.material_info_set.as_slice() else {
                panic!("{example:?}")
            };
            let basic = medium.basic_info.as_ref().unwrap();
            assert_eq!(basic.material_id.as_deref(), Some("m1"));
            assert!(medium.video_material.is_some());
        }

        #[test]
        fn empty_and_unknown_replies_are_empty_lists_and_bad_media_are_refused() {
            for body in [r#"{}"#, r#"{"MaterialInfoSet":null}"#, r#"{"Other":1}"#] {
                let data: DescribeMaterialsData = serde_json::from_str(body).unwrap();
                assert!(data.material_info_set.is_empty(), "{body}");
            }
            let err = serde_json::from_str::<DescribeMaterialsData>(
                r#"{"MaterialBasicInfo":{"MaterialId":["not","a","string"]},"MediaInfo":7}"#,
            )
            .unwrap_err();
            assert!(err.to_string().contains("docs' example shape"), "{err}");
        }
    }
}
