/**
 * One eigenvector of the posterior covariance with its walk: the images mean − 2√λ v and mean + 2√λ v on either
 * side, each with the classifier's label, so a direction that morphs one digit into another shows as two digits.
 * The eigenvectors of one posterior share the colour `scale`.
 */
import type { DigitPosterior } from '../../../models/digits/analysis.ts';
import { NOISE_ALIGNED } from '../../../models/digits/posterior.ts';
import { imageAt, type ImageScale } from './images.ts';
import { ImageView } from './ImageView.tsx';

/** Eigenvector `j` of `post` between its walk ends; `fileFor` names each image's PNG download. */
export function EigenWalk({ post, j, scale, fileFor }: { post: DigitPosterior; j: number; scale: ImageScale; fileFor(what: string): string }) {
  const [minus, plus] = post.walkLabels[j];
  const lambda = post.eigenvalues[j];
  return (
    <div className={`dlab-walk${minus !== plus ? ' morphs' : ''}`} data-testid={`d-walk-${j}`} data-classes={`${minus},${plus}`}>
      <ImageView values={imageAt(post.walks, 2 * j)} caption={`− : ${minus}`} size={88} title={`mean − ${post.walkStd}√λ v`} fileName={fileFor(`eig${j + 1}-minus`)} />
      <ImageView
        values={imageAt(post.eigenvectors, j)}
        scale={scale}
        caption={`λ${j + 1} = ${lambda.toExponential(2)}${post.noiseAlignment[j] > NOISE_ALIGNED ? ' (∥ noise)' : ''}`}
        testId={`d-eig-${j}`}
        size={128}
        fileName={fileFor(`eig${j + 1}`)}
      />
      <ImageView values={imageAt(post.walks, 2 * j + 1)} caption={`+ : ${plus}`} size={88} title={`mean + ${post.walkStd}√λ v`} fileName={fileFor(`eig${j + 1}-plus`)} />
    </div>
  );
}
