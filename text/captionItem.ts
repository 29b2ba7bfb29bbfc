/** A caption to generate videos for, as it flows from read-captions to generate-videos. */
export interface CaptionItem {
  /** 0-based number of the caption among the file's usable captions (names its videos). */
  index: number;
  /** 1-based line in the caption file. */
  line: number;
  text: string;
}
