import { render } from "preact";
import { App } from "./App";
import { connect } from "./tg";
import "./styles.css";

const bridge = connect();
const root = document.getElementById("app");
if (root) render(<App bridge={bridge} />, root);
